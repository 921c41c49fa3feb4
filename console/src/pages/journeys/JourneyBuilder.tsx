import { CheckCircleOutlined, CloudUploadOutlined, PauseCircleOutlined, PlayCircleOutlined, SaveOutlined, UserAddOutlined } from '@ant-design/icons';
import { App, Alert, Button, Card, Flex, Modal, Popconfirm, Space, Tooltip } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { CustomerSelect } from '../../components/CustomerSelect';
import { journeysApi, graphErrorsOf } from '../../journeys/api';
import { Canvas } from '../../journeys/Canvas';
import { attachSteps, autoLayout, defaultStep, links, newStepId, setLink, TRIGGER_NODE, unlinkTarget, validateLocally } from '../../journeys/graph';
import { StepInspector } from '../../journeys/Inspector';
import { Palette } from '../../journeys/Palette';
import type { Refs } from '../../journeys/refs';
import { TriggerInspector } from '../../journeys/TriggerInspector';
import type { GraphError, Journey, JourneyGraph, StepCounts, StepKind } from '../../journeys/types';

interface Props {
  journey: Journey;
  refs: Refs;
  canEdit: boolean;
  /** Called with the journey the server returned after save / publish / pause / resume. */
  onSaved: (j: Journey) => void;
}

const LIVE_REFRESH_MS = 10_000;

/** The visual builder: canvas, palette, inspector, validation, save / publish / pause, live counts. */
export default function JourneyBuilder({ journey, refs, canEdit, onSaved }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const initial = journey.draft ?? journey.liveGraph;
  const [graph, setGraph] = useState<JourneyGraph | null>(() => (initial ? autoLayout(initial) : null));
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [serverErrors, setServerErrors] = useState<GraphError[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [counts, setCounts] = useState<Record<string, StepCounts>>();
  const readOnly = !canEdit || journey.status === 'archived';

  // Live view: step counts refreshed while the journey has a published version.
  useEffect(() => {
    if (journey.liveVersion == null) return;
    const controller = new AbortController();
    const load = () => journeysApi.steps(journey.id, controller.signal).then(setCounts, () => undefined);
    load();
    const timer = setInterval(load, LIVE_REFRESH_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [journey.id, journey.liveVersion]);

  const localErrors = useMemo(() => (graph ? validateLocally(graph) : []), [graph]);
  const errorMap = useMemo(() => {
    const map = new Map<string, string[]>();
    const add = (key: string, msg: string) => map.set(key, [...(map.get(key) ?? []), msg]);
    for (const e of localErrors) add(e.step ?? TRIGGER_NODE, t(`journeys.errors.${e.code}`, { defaultValue: e.code }));
    for (const e of serverErrors) add(e.step && graph?.steps.some((s) => s.id === e.step) ? e.step : TRIGGER_NODE, e.message);
    return map;
  }, [localErrors, serverErrors, graph, t]);

  if (!graph) return <Alert type="warning" title={t('journeys.noGraph')} />;

  const change = (g: JourneyGraph) => {
    setGraph(g);
    setDirty(true);
    setServerErrors([]);
  };

  const add = (kind: StepKind) => {
    const from = graph.steps.find((s) => s.id === selected);
    const id = newStepId(graph, kind);
    const below = from?.ui ? { x: from.ui.x, y: from.ui.y + 150 } : { x: 0, y: Math.max(0, ...graph.steps.map((s) => s.ui?.y ?? 0)) + 150 };
    let steps = [...graph.steps, defaultStep(kind, id, below)];
    if (from) {
      const free = links(from).find((l) => !l.target);
      if (free) steps = steps.map((s) => (s.id === from.id ? setLink(s, free.handle, id) : s));
    }
    change({ ...graph, steps });
    setSelected(id);
  };

  const showErrors = (errs: GraphError[]) => {
    setServerErrors(errs);
    const first = errs.find((e) => e.step);
    if (first?.step) setSelected(first.step);
  };

  const run = async (label: string, f: () => Promise<void>) => {
    setBusy(label);
    try {
      await f();
    } catch (err) {
      const errs = graphErrorsOf(err);
      if (errs) showErrors(attachSteps(graph, errs));
      message.error(errorTitle(err));
    } finally {
      setBusy(null);
    }
  };

  const validate = () =>
    run('validate', async () => {
      if (localErrors.length) {
        message.error(t('journeys.invalid', { count: localErrors.length }));
        return;
      }
      const res = await journeysApi.validate(graph);
      if (res.ok) message.success(t('journeys.valid'));
      else {
        showErrors(attachSteps(graph, res.errors));
        message.error(t('journeys.invalid', { count: res.errors.length }));
      }
    });

  const save = async () => {
    const saved = await journeysApi.save(journey.id, { graph });
    setDirty(false);
    onSaved(saved);
  };

  const saveDraft = () =>
    run('save', async () => {
      await save();
      message.success(t('journeys.saved'));
    });

  const publish = () =>
    run('publish', async () => {
      if (localErrors.length) {
        message.error(t('journeys.invalid', { count: localErrors.length }));
        return;
      }
      if (dirty) await save();
      const published = await journeysApi.action(journey.id, 'publish');
      message.success(t('journeys.published', { version: published.liveVersion ?? '' }));
      onSaved(published);
    });

  const toggle = (action: 'pause' | 'resume') =>
    run(action, async () => {
      onSaved(await journeysApi.action(journey.id, action));
      message.success(t(`journeys.${action}d`));
    });

  const selectedStep = graph.steps.find((s) => s.id === selected);

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Space>
          {dirty && <Alert type="info" showIcon banner title={t('journeys.unsaved')} style={{ padding: '2px 8px' }} />}
          {localErrors.length > 0 && (
            <Tooltip title={localErrors.map((e) => `${e.step ?? t('journeys.trigger')}: ${t(`journeys.errors.${e.code}`, { defaultValue: e.code })}`).join('\n')}>
              <Alert type="error" showIcon banner title={t('journeys.invalid', { count: localErrors.length })} data-testid="builder-invalid" style={{ padding: '2px 8px' }} />
            </Tooltip>
          )}
        </Space>
        {!readOnly && (
          <Space wrap>
            <Button icon={<CheckCircleOutlined />} loading={busy === 'validate'} onClick={validate} data-testid="journey-validate">
              {t('journeys.validate')}
            </Button>
            <Button icon={<SaveOutlined />} disabled={!dirty} loading={busy === 'save'} onClick={saveDraft} data-testid="journey-save">
              {t('journeys.saveDraft')}
            </Button>
            {journey.status === 'live' && graph.trigger.kind === 'manual' && <EnterButton journeyId={journey.id} />}
            {journey.status === 'live' && (
              <Button icon={<PauseCircleOutlined />} loading={busy === 'pause'} onClick={() => toggle('pause')} data-testid="journey-pause">
                {t('journeys.pause')}
              </Button>
            )}
            {journey.status === 'paused' && (
              <Button icon={<PlayCircleOutlined />} loading={busy === 'resume'} onClick={() => toggle('resume')} data-testid="journey-resume">
                {t('journeys.resume')}
              </Button>
            )}
            <Popconfirm title={journey.liveVersion == null ? t('journeys.publishConfirm') : t('journeys.publishNewConfirm')} onConfirm={publish} okButtonProps={{ 'data-testid': 'journey-publish-ok' } as Record<string, string>}>
              <Button type="primary" icon={<CloudUploadOutlined />} loading={busy === 'publish'} data-testid="journey-publish">
                {t('journeys.publish')}
              </Button>
            </Popconfirm>
          </Space>
        )}
      </Flex>
      <Flex gap={12} style={{ height: 'calc(100vh - 260px)', minHeight: 520 }}>
        {!readOnly && (
          <Card size="small" style={{ width: 170, overflow: 'auto' }} styles={{ body: { padding: 8 } }}>
            <Palette onAdd={add} disabled={readOnly} />
          </Card>
        )}
        <Card size="small" style={{ flex: 1 }} styles={{ body: { padding: 0, height: '100%' } }}>
          <Canvas graph={graph} refs={refs} counts={counts} errors={errorMap} selected={selected} readOnly={readOnly} onSelect={setSelected} onChange={change} />
        </Card>
        <Card size="small" style={{ width: 340, overflow: 'auto' }}>
          {selectedStep ? (
            <StepInspector
              key={selectedStep.id}
              step={selectedStep}
              graph={graph}
              refs={refs}
              errors={errorMap.get(selectedStep.id) ?? []}
              readOnly={readOnly}
              onChange={(s) => change({ ...graph, steps: graph.steps.map((x) => (x.id === s.id ? s : x)) })}
              onDelete={() => {
                const g = unlinkTarget(graph, selectedStep.id);
                change({ ...g, steps: g.steps.filter((s) => s.id !== selectedStep.id) });
                setSelected(null);
              }}
            />
          ) : (
            <TriggerInspector graph={graph} refs={refs} readOnly={readOnly} onChange={change} />
          )}
        </Card>
      </Flex>
    </Flex>
  );
}

/** Puts one customer into a live manual-trigger journey (POST /enter; the re-entry rule applies). */
function EnterButton({ journeyId }: { journeyId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [customerId, setCustomerId] = useState<string>();
  const enter = async () => {
    if (!customerId) return;
    try {
      const r = await api.post<{ entered: number; skipped: number }>(`/api/journeys/${journeyId}/enter`, { customerIds: [customerId] });
      message.success(t('journeys.enterResult', { entered: r.entered, skipped: r.skipped }));
      setOpen(false);
    } catch (err) {
      message.error(errorTitle(err));
    }
  };
  return (
    <>
      <Button icon={<UserAddOutlined />} onClick={() => setOpen(true)} data-testid="journey-enter">
        {t('journeys.enter')}
      </Button>
      <Modal open={open} title={t('journeys.enter')} onCancel={() => setOpen(false)} onOk={() => void enter()} okButtonProps={{ disabled: !customerId }} destroyOnHidden>
        <CustomerSelect value={customerId} onChange={setCustomerId} placeholder={t('messages.pickCustomer')} />
      </Modal>
    </>
  );
}
