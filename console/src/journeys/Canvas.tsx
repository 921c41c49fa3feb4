import { Background, Controls, MarkerType, MiniMap, ReactFlow, type Connection, type Edge, type EdgeChange, type Node, type NodeChange } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { links, setLink, TRIGGER_NODE, triggerPosition, unlinkTarget } from './graph';
import type { Refs } from './refs';
import { nodeTypes, type StepFlowNode, type TriggerFlowNode } from './StepNode';
import { stepSummary, triggerSummary } from './summary';
import type { JourneyGraph, Step, StepCounts } from './types';

interface Props {
  graph: JourneyGraph;
  refs: Refs;
  counts: Record<string, StepCounts> | undefined;
  errors: Map<string, string[]>;
  selected: string | null;
  readOnly: boolean;
  onSelect: (id: string | null) => void;
  onChange: (g: JourneyGraph) => void;
}

type Measured = { width?: number; height?: number };

const ZERO: StepCounts = { entered: 0, waiting: 0, passed: 0, exited: 0, converted: 0 };

const edgeId = (source: string, handle: string) => `${source}|${handle}`;

/** The journey drawn with @xyflow/react; the graph stays the single source of truth. */
export function Canvas({ graph, refs, counts, errors, selected, readOnly, onSelect, onChange }: Props) {
  const { t } = useTranslation();
  const measured = useRef(new Map<string, Measured>());
  const [, setTick] = useState(0);
  const [triggerPos, setTriggerPos] = useState<{ x: number; y: number } | null>(null);
  const [selectedEdge, setSelectedEdge] = useState<string | null>(null);

  const nodes = useMemo<Node[]>(() => {
    const trigger: TriggerFlowNode = {
      id: TRIGGER_NODE,
      type: 'trigger',
      position: triggerPos ?? triggerPosition(graph),
      data: { trigger: graph.trigger, summary: triggerSummary(t, graph.trigger, refs), errors: errors.get(TRIGGER_NODE) ?? [] },
      selected: selected === TRIGGER_NODE,
      deletable: false,
      measured: measured.current.get(TRIGGER_NODE),
    };
    const steps = graph.steps.map(
      (s): StepFlowNode => ({
        id: s.id,
        type: 'step',
        position: s.ui ?? { x: 0, y: 0 },
        data: { step: s, counts: counts ? (counts[s.id] ?? ZERO) : undefined, errors: errors.get(s.id) ?? [], summary: stepSummary(t, s, refs) },
        selected: selected === s.id,
        measured: measured.current.get(s.id),
      }),
    );
    return [trigger, ...steps];
    // measured is read through a ref; the tick re-renders after it changes
  }, [graph, refs, counts, errors, selected, triggerPos, t]);

  const edges = useMemo<Edge[]>(() => {
    const out: Edge[] = [];
    if (graph.start) out.push({ id: edgeId(TRIGGER_NODE, 'start'), source: TRIGGER_NODE, sourceHandle: 'start', target: graph.start, markerEnd: { type: MarkerType.ArrowClosed }, deletable: false });
    for (const s of graph.steps) {
      for (const l of links(s)) {
        if (!l.target) continue;
        const id = edgeId(s.id, l.handle);
        const label = l.handle === 'next' ? undefined : s.kind === 'split' ? s.arms[Number(l.handle.slice(4))]?.key : t(`journeys.handle.${l.handle}`);
        out.push({ id, source: s.id, sourceHandle: l.handle, target: l.target, label, selected: selectedEdge === id, markerEnd: { type: MarkerType.ArrowClosed }, animated: !!counts });
      }
    }
    return out;
  }, [graph, selectedEdge, counts, t]);

  const updateStep = (g: JourneyGraph, id: string, f: (s: Step) => Step): JourneyGraph => ({ ...g, steps: g.steps.map((s) => (s.id === id ? f(s) : s)) });

  const onNodesChange = (changes: NodeChange[]) => {
    let g = graph;
    let dirty = false;
    let picked: string | null = null;
    let dropped = false;
    for (const c of changes) {
      if (c.type === 'dimensions' && c.dimensions) {
        measured.current.set(c.id, c.dimensions);
        setTick((n) => n + 1);
      } else if (c.type === 'position' && c.position) {
        if (c.id === TRIGGER_NODE) setTriggerPos(c.position);
        else if (!readOnly) {
          const pos = { x: Math.round(c.position.x), y: Math.round(c.position.y) };
          g = updateStep(g, c.id, (s) => ({ ...s, ui: pos }));
          dirty = true;
        }
      } else if (c.type === 'select') {
        if (c.selected) picked = c.id;
        else if (selected === c.id) dropped = true;
      } else if (c.type === 'remove' && !readOnly && c.id !== TRIGGER_NODE) {
        g = unlinkTarget(g, c.id);
        g = { ...g, steps: g.steps.filter((s) => s.id !== c.id) };
        dirty = true;
        if (selected === c.id) dropped = true;
      }
    }
    // A click on another node deselects the old one and selects the new one, in either order.
    if (picked) onSelect(picked);
    else if (dropped) onSelect(null);
    if (dirty) onChange(g);
  };

  const onEdgesChange = (changes: EdgeChange[]) => {
    let g = graph;
    let dirty = false;
    for (const c of changes) {
      if (c.type === 'select') setSelectedEdge(c.selected ? c.id : null);
      else if (c.type === 'remove' && !readOnly) {
        const [source, handle] = c.id.split('|') as [string, string];
        if (source === TRIGGER_NODE) continue;
        g = updateStep(g, source, (s) => setLink(s, handle, undefined));
        dirty = true;
      }
    }
    if (dirty) onChange(g);
  };

  const onConnect = (c: Connection) => {
    if (readOnly || !c.target || c.target === TRIGGER_NODE || c.source === c.target) return;
    if (c.source === TRIGGER_NODE) onChange({ ...graph, start: c.target });
    else onChange(updateStep(graph, c.source, (s) => setLink(s, c.sourceHandle ?? 'next', c.target)));
  };

  return (
    <div style={{ height: '100%', width: '100%' }} data-testid="journey-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onPaneClick={() => onSelect(null)}
        nodesDraggable
        nodesConnectable={!readOnly}
        deleteKeyCode={readOnly ? null : ['Backspace', 'Delete']}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable style={{ height: 90, width: 140 }} />
      </ReactFlow>
    </div>
  );
}
