// Wire shapes of the RFM and layer (lifecycle, LTV) API.
import type { CustomerCard, Rule } from '../segments/types';

export interface RfmSettings {
  windowDays: number;
  scoring: 'quintile' | 'thresholds';
  thresholds: { recencyDays: number[]; frequency: number[]; monetaryFen: number[] };
  compareTo: 'mean' | 'median';
}

export interface RfmSnapshot {
  id: string;
  at: string;
  settings: RfmSettings;
  cuts: { r: number[]; f: number[]; m: number[] };
  centers: { r: number; f: number; m: number };
  customers: number;
  revenueFen: number;
}

export interface RfmSegmentSummary {
  key: string;
  name: string;
  nameEn: string;
  strategy: string;
  strategyEn: string;
  high: { r: boolean; f: boolean; m: boolean };
  customers: number;
  revenueFen: number;
  customerShare: number;
  revenueShare: number;
  avgRecencyDays: number;
  avgFrequency: number;
  avgMonetaryFen: number;
}

export interface RfmCustomer extends Omit<CustomerCard, 'id'> {
  customerId: string;
  recencyDays: number;
  frequency: number;
  monetaryFen: number;
  r: number;
  f: number;
  m: number;
  segment: string;
}

export interface Movement {
  from: RfmSnapshot;
  to: RfmSnapshot;
  moved: number;
  cells: { from: string; to: string; customers: number }[];
}

export interface LayerLevel {
  key: string;
  name: string;
  rule: Rule | null;
  groupType?: string;
}

export interface LayerSummary {
  kind: 'lifecycle' | 'ltv';
  customers: number;
  levels: { key: string; name: string; groupType: string | null; customers: number; share: number }[];
}
