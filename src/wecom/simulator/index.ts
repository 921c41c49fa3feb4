import type { FastifyInstance } from 'fastify';
import * as actions from './actions.js';
import { CallbackSender, type CallbackTarget } from './callbacks.js';
import { sendMassTask } from './handlers.js';
import { restore, snapshot } from './persist.js';
import { listenStandalone, simulatorPlugin } from './server.js';
import { type SimCorp, type SimulatorOptions, createCorp } from './state.js';

export type { SimCorp, SimulatorOptions } from './state.js';
export type { CallbackTarget, Delivery } from './callbacks.js';
export type { NewCustomer } from './actions.js';

/**
 * A local WeCom: the server API's paths, payloads, errcodes and limits, its own staff, customers
 * and groups, and encrypted callbacks to a configured URL. Time comes from the injected clock.
 */
export class Simulator {
  readonly corp: SimCorp;
  readonly callbacks: CallbackSender;
  readonly plugin;
  private server: FastifyInstance | null = null;

  constructor(opts: SimulatorOptions) {
    this.corp = createCorp(opts);
    this.callbacks = new CallbackSender(this.corp);
    this.plugin = simulatorPlugin(this);
  }

  /** Serves on a free loopback port; returns the base URL to give the client. */
  async listen(): Promise<string> {
    const { app, url } = await listenStandalone(this);
    this.server = app;
    this.corp.qrBase = url;
    return url;
  }

  /** Where the simulator is reachable when mounted in another server (its QR images link there). */
  setBaseUrl(url: string): void {
    this.corp.qrBase = url;
  }

  /** The corp's data and callback target as JSON, for a simulator that outlives a process. */
  save(): string {
    return snapshot(this.corp, this.callbacks.target);
  }

  load(json: string): void {
    this.callbacks.target = restore(this.corp, json);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  configureCallback(target: CallbackTarget): Promise<void> {
    return this.callbacks.configure(target);
  }

  addContact(code: string, opts?: Parameters<typeof actions.addContact>[2]) {
    return actions.addContact(this, code, opts);
  }
  editContact(userid: string, externalUserid: string, change: Parameters<typeof actions.editContact>[3]) {
    return actions.editContact(this, userid, externalUserid, change);
  }
  deleteContact(userid: string, externalUserid: string, by: 'staff' | 'customer') {
    return actions.deleteContact(this, userid, externalUserid, by);
  }
  createGroup(owner: string, name: string) {
    return actions.createGroup(this, owner, name);
  }
  joinGroup(code: string, opts?: Parameters<typeof actions.joinGroup>[2]) {
    return actions.joinGroup(this, code, opts);
  }
  quitGroup(chatId: string, userid: string) {
    return actions.quitGroup(this, chatId, userid);
  }
  dismissGroup(chatId: string) {
    return actions.dismissGroup(this, chatId);
  }
  adminAddTag(groupName: string, name: string) {
    return actions.adminAddTag(this, groupName, name);
  }
  /** The owner picks a 入群欢迎语 for the group in the WeCom app. */
  chooseGroupWelcome(chatId: string, templateId: string): void {
    actions.chooseGroupWelcome(this, chatId, templateId);
  }
  refuseTransfer(externalUserid: string) {
    return actions.refuseTransfer(this, externalUserid);
  }
  /** The staff member confirms a pending mass send in WeCom; returns how many received it. */
  confirmMassSend(msgid: string, userid: string): number {
    return sendMassTask(this.corp, msgid, userid);
  }
  /** Every token stops working, as after 7200 s. */
  expireTokens(): void {
    for (const t of this.corp.tokens.values()) t.expiresAt = 0;
  }
  idle(): Promise<void> {
    return this.callbacks.idle();
  }
}
