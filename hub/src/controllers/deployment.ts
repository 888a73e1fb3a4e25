import {
  canonicalJson,
  type Deployment,
  type DeploymentStatus,
  type Pod,
  type PodTemplateSpec,
  podTemplateHash,
  type ReplicaSet,
  type Selector,
  selectorFromLabelSelector,
} from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { claimOwned } from './claim.js';
import {
  calculateStatus,
  getCondition,
  isComplete,
  MESSAGE,
  msUntilDeadline,
  newCondition,
  REASON,
  rolloutParams,
  rolloutStatus,
  sameStatus,
  setCondition,
} from './deployment-status.js';
import { createEventRecorder, type EventRecorder } from './events.js';
import { listAndWatch } from './list-watch.js';
import {
  controllerRef,
  DEPLOYMENTS,
  getIfExists,
  isAlreadyExists,
  isDeleting,
  isNotFound,
  isPodTerminal,
  objectKey,
  ownerReferenceTo,
  PODS,
  REPLICASETS,
  rfc3339,
  splitKey,
} from './objects.js';
import {
  maxSurgeOf,
  newRsReplicas,
  proportionalScale,
  type RsNumbers,
  scaleDownOldReplicaSets,
} from './rollout-math.js';
import { createWorkQueue, type WorkQueue } from './work-queue.js';

export const DEPLOYMENT_CONTROLLER = 'deployment-controller';
export const ANNOTATION_REVISION = 'deployment.kubernetes.io/revision';
export const ANNOTATION_REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const ANNOTATION_DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const ANNOTATION_MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Deployment annotations that are not copied to its ReplicaSets (deployment_util annotationsToSkip). */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  ANNOTATION_REVISION,
  ANNOTATION_REVISION_HISTORY,
  ANNOTATION_DESIRED_REPLICAS,
  ANNOTATION_MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

const revisionOf = (rs: ReplicaSet): number => {
  const n = Number(rs.metadata.annotations?.[ANNOTATION_REVISION] ?? '0');
  return Number.isFinite(n) ? n : 0;
};

const createdAt = (rs: ReplicaSet): number => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;

const oldestFirst = (a: ReplicaSet, b: ReplicaSet) =>
  createdAt(a) - createdAt(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1);

/**
 * The semantic form of a JSON value for template comparison: null, "", false and empty objects or
 * arrays are dropped, as Go's typed decoding plus apimachinery's Semantic.DeepEqual treat them
 * like absent fields. kubectl's rollout undo sends the template with `creationTimestamp: null` and
 * `resources: {}`, which must still match the ReplicaSet it came from.
 */
export function semanticForm(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(semanticForm);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const pruned = semanticForm(v);
      if (pruned === undefined || pruned === null || pruned === '' || pruned === false) continue;
      if (Array.isArray(pruned) && pruned.length === 0) continue;
      if (typeof pruned === 'object' && !Array.isArray(pruned) && Object.keys(pruned as object).length === 0) continue;
      out[k] = pruned;
    }
    return out;
  }
  return value;
}

/** EqualIgnoreHash: pod templates semantically equal once the pod-template-hash label is dropped. */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const copy = structuredClone(t ?? { spec: { containers: [] } });
    if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    return canonicalJson(semanticForm(copy));
  };
  return strip(a) === strip(b);
}

function numbersOf(rs: ReplicaSet): RsNumbers {
  const max = Number(rs.metadata.annotations?.[ANNOTATION_MAX_REPLICAS]);
  return {
    name: rs.metadata.name as string,
    replicas: rs.spec.replicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
    created: createdAt(rs),
    ...(Number.isFinite(max) && rs.metadata.annotations?.[ANNOTATION_MAX_REPLICAS] !== undefined
      ? { maxReplicasAnnotation: max }
      : {}),
  };
}

interface ReplicaSets {
  newRs: ReplicaSet | undefined;
  old: ReplicaSet[];
}

/**
 * The Deployment controller (k8s-semantics §10.2–§10.4, kk-depl sync.go/rolling.go/recreate.go/
 * progress.go): ReplicaSets per pod template, revisions, RollingUpdate and Recreate, proportional
 * scaling, pause/resume, rollback by template (the matching old ReplicaSet is reused and gets the
 * next revision), revision history cleanup and the status `kubectl rollout status` reads.
 */
export function createDeploymentController(): HubComponent {
  let context: HubContext | undefined;
  let queue: WorkQueue | undefined;
  let recorder: EventRecorder | undefined;
  const unwatch: (() => void)[] = [];
  const deployments = new Map<string, Deployment>();
  /** ReplicaSet key → owning Deployment key (for pod events). */
  const rsOwner = new Map<string, string>();

  const at = () => rfc3339((context as HubContext).now());

  // ---------------------------------------------------------------------------------------------
  // Claiming ReplicaSets

  const claimReplicaSets = (ctx: HubContext, d: Deployment, selector: Selector): ReplicaSet[] =>
    claimOwned(
      ctx.service,
      REPLICASETS,
      d,
      selector,
      ctx.service.list(REPLICASETS, { namespace: d.metadata.namespace }).items as ReplicaSet[],
    );

  const split = (d: Deployment, rss: ReplicaSet[]): ReplicaSets => {
    const sorted = [...rss].sort(oldestFirst);
    const newRs = sorted.find((rs) => templatesEqualIgnoringHash(rs.spec.template, d.spec.template));
    return { newRs, old: sorted.filter((rs) => rs !== newRs) };
  };

  // ---------------------------------------------------------------------------------------------
  // Writes

  const writeDeploymentStatus = (ctx: HubContext, d: Deployment, status: DeploymentStatus) => {
    if (sameStatus(d.status, status)) return;
    const updated = ctx.service.mutate(
      DEPLOYMENTS,
      d.metadata.namespace,
      d.metadata.name as string,
      (stored) => {
        stored.status = status;
        return stored;
      },
      { status: true, fieldManager: DEPLOYMENT_CONTROLLER },
    ) as Deployment;
    d.status = updated.status;
  };

  const setDeploymentRevision = (ctx: HubContext, d: Deployment, revision: string) => {
    if (d.metadata.annotations?.[ANNOTATION_REVISION] === revision) return;
    const updated = ctx.service.mutate(
      DEPLOYMENTS,
      d.metadata.namespace,
      d.metadata.name as string,
      (stored) => {
        stored.metadata.annotations = { ...(stored.metadata.annotations ?? {}), [ANNOTATION_REVISION]: revision };
        return stored;
      },
      { fieldManager: DEPLOYMENT_CONTROLLER },
    ) as Deployment;
    d.metadata.annotations = updated.metadata.annotations;
  };

  const replicaAnnotations = (d: Deployment): Record<string, string> => {
    const params = rolloutParams(d);
    return {
      [ANNOTATION_DESIRED_REPLICAS]: String(params.replicas),
      [ANNOTATION_MAX_REPLICAS]: String(params.replicas + maxSurgeOf(params)),
    };
  };

  /** scaleReplicaSetAndRecordEvent: new size and the replica annotations, one event on size change. */
  const scaleReplicaSet = (ctx: HubContext, rs: ReplicaSet, size: number, d: Deployment): ReplicaSet => {
    const from = rs.spec.replicas ?? 0;
    const annotations = replicaAnnotations(d);
    const annotationsStale = Object.entries(annotations).some(([k, v]) => rs.metadata.annotations?.[k] !== v);
    if (from === size && !annotationsStale) return rs;
    const updated = ctx.service.mutate(
      REPLICASETS,
      rs.metadata.namespace,
      rs.metadata.name as string,
      (stored) => {
        stored.spec.replicas = size;
        stored.metadata.annotations = { ...(stored.metadata.annotations ?? {}), ...annotations };
        return stored;
      },
      { fieldManager: DEPLOYMENT_CONTROLLER },
    ) as ReplicaSet;
    if (from !== size) {
      const verb = size > from ? 'up' : 'down';
      recorder?.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${size}`,
      );
    }
    return updated;
  };

  // ---------------------------------------------------------------------------------------------
  // The new ReplicaSet and revisions (getAllReplicaSetsAndSyncRevision)

  const copiedAnnotations = (d: Deployment): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) out[k] = v;
    return out;
  };

  const syncExistingNewRs = (ctx: HubContext, d: Deployment, rs: ReplicaSet, revision: number): ReplicaSet => {
    const oldRevision = revisionOf(rs);
    const wanted = { ...(rs.metadata.annotations ?? {}), ...copiedAnnotations(d) };
    if (oldRevision < revision) {
      wanted[ANNOTATION_REVISION] = String(revision);
      if (oldRevision > 0) {
        const history = rs.metadata.annotations?.[ANNOTATION_REVISION_HISTORY];
        wanted[ANNOTATION_REVISION_HISTORY] = history ? `${history},${oldRevision}` : String(oldRevision);
      }
    }
    const minReady = d.spec.minReadySeconds ?? 0;
    const annotationsChanged = canonicalJson(wanted) !== canonicalJson(rs.metadata.annotations ?? {});
    const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== minReady;
    let result = rs;
    if (annotationsChanged || minReadyChanged) {
      result = ctx.service.mutate(
        REPLICASETS,
        rs.metadata.namespace,
        rs.metadata.name as string,
        (stored) => {
          stored.metadata.annotations = wanted;
          stored.spec.minReadySeconds = minReady;
          return stored;
        },
        { fieldManager: DEPLOYMENT_CONTROLLER },
      ) as ReplicaSet;
    }
    setDeploymentRevision(ctx, d, result.metadata.annotations?.[ANNOTATION_REVISION] ?? String(revision));
    if (!getCondition(d.status, 'Progressing')) {
      const status = structuredClone(d.status ?? {});
      setCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          REASON.foundNewRs,
          MESSAGE.foundNewRs(result.metadata.name as string),
          at(),
        ),
      );
      writeDeploymentStatus(ctx, d, status);
    }
    return result;
  };

  const createNewRs = (ctx: HubContext, d: Deployment, all: ReplicaSet[], revision: number): ReplicaSet | undefined => {
    const hash = podTemplateHash(semanticForm(d.spec.template), d.status?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
    };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const params = rolloutParams(d);
    const replicas = newRsReplicas(params, all.map(numbersOf), { name, replicas: 0, available: 0, created: 0 });
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        annotations: { ...copiedAnnotations(d), ...replicaAnnotations(d), [ANNOTATION_REVISION]: String(revision) },
        ownerReferences: [ownerReferenceTo(d)],
      },
      spec: { replicas, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    let created: ReplicaSet;
    try {
      created = ctx.service.create(REPLICASETS, d.metadata.namespace, rs, {
        fieldManager: DEPLOYMENT_CONTROLLER,
      }) as ReplicaSet;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const existing = ctx.service.get(REPLICASETS, d.metadata.namespace, name) as ReplicaSet;
      if (
        controllerRef(existing)?.uid === d.metadata.uid &&
        templatesEqualIgnoringHash(existing.spec.template, d.spec.template)
      ) {
        return existing;
      }
      // Hash collision with a foreign ReplicaSet: bump collisionCount and try again next sync.
      const status = structuredClone(d.status ?? {});
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      writeDeploymentStatus(ctx, d, status);
      throw error;
    }
    if (replicas > 0) {
      recorder?.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${replicas}`);
    }
    setDeploymentRevision(ctx, d, String(revision));
    const status = structuredClone(d.status ?? {});
    setCondition(status, newCondition('Progressing', 'True', REASON.newRsCreated, MESSAGE.newRsCreated(name), at()));
    writeDeploymentStatus(ctx, d, status);
    return created;
  };

  const replicaSetsAndRevision = (ctx: HubContext, d: Deployment, rss: ReplicaSet[], create: boolean): ReplicaSets => {
    const { newRs, old } = split(d, rss);
    const revision = old.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0) + 1;
    if (newRs) return { newRs: syncExistingNewRs(ctx, d, newRs, revision), old };
    if (!create) return { newRs: undefined, old };
    return { newRs: createNewRs(ctx, d, rss, revision), old };
  };

  // ---------------------------------------------------------------------------------------------
  // Strategies

  const cleanupOldReplicaSets = (ctx: HubContext, d: Deployment, old: ReplicaSet[]) => {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const alive = old.filter((rs) => !isDeleting(rs));
    let excess = alive.length - limit;
    if (excess <= 0) return;
    const byRevision = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || oldestFirst(a, b));
    for (const rs of byRevision) {
      if (excess <= 0) break;
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec.replicas ?? 0) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        ctx.service.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name as string);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      excess--;
    }
  };

  const syncRolloutStatus = (ctx: HubContext, d: Deployment, all: ReplicaSet[], newRs: ReplicaSet | undefined) => {
    const now = ctx.now();
    const status = rolloutStatus(d, all, newRs, now, rfc3339(now));
    writeDeploymentStatus(ctx, d, status);
    if (!isComplete(d, status)) {
      const left = msUntilDeadline(d, status, now);
      if (left !== undefined) queue?.addAfter(objectKey(d), Math.max(0, left) + 1000);
    }
  };

  /** Re-reads the ReplicaSets after scaling so status is computed from what is stored. */
  const refresh = (ctx: HubContext, rss: ReplicaSet[]): ReplicaSet[] =>
    rss.flatMap((rs) => {
      try {
        return [ctx.service.get(REPLICASETS, rs.metadata.namespace, rs.metadata.name as string) as ReplicaSet];
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
    });

  const rolloutRolling = (ctx: HubContext, d: Deployment, rss: ReplicaSet[]) => {
    const { newRs, old } = replicaSetsAndRevision(ctx, d, rss, true);
    if (!newRs) return;
    const params = rolloutParams(d);
    const all = [...old, newRs];
    // reconcileNewReplicaSet
    let scaled = false;
    const target =
      (newRs.spec.replicas ?? 0) > params.replicas
        ? params.replicas
        : newRsReplicas(params, all.map(numbersOf), numbersOf(newRs));
    if (target !== (newRs.spec.replicas ?? 0)) {
      scaleReplicaSet(ctx, newRs, target, d);
      scaled = true;
    }
    if (!scaled) {
      // reconcileOldReplicaSets
      const sizes = scaleDownOldReplicaSets(params, old.map(numbersOf), numbersOf(newRs));
      for (const rs of old) {
        const size = sizes.get(rs.metadata.name as string) as number;
        if (size !== (rs.spec.replicas ?? 0)) {
          scaleReplicaSet(ctx, rs, size, d);
          scaled = true;
        }
      }
    }
    const fresh = refresh(ctx, all);
    const freshNew = fresh.find((rs) => rs.metadata.uid === newRs.metadata.uid);
    if (!scaled && isComplete(d, calculateStatus(d, fresh, freshNew, at()))) {
      cleanupOldReplicaSets(
        ctx,
        d,
        fresh.filter((rs) => rs !== freshNew),
      );
    }
    syncRolloutStatus(ctx, d, refresh(ctx, all), freshNew);
  };

  const oldPodsRunning = (ctx: HubContext, d: Deployment, old: ReplicaSet[]): boolean => {
    const uids = new Set(old.map((rs) => rs.metadata.uid));
    if (old.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    const pods = ctx.service.list(PODS, { namespace: d.metadata.namespace }).items as Pod[];
    return pods.some((p) => uids.has(controllerRef(p)?.uid) && !isPodTerminal(p));
  };

  const rolloutRecreate = (ctx: HubContext, d: Deployment, rss: ReplicaSet[]) => {
    let { newRs, old } = replicaSetsAndRevision(ctx, d, rss, false);
    let scaledDown = false;
    for (const rs of old) {
      if ((rs.spec.replicas ?? 0) > 0) {
        scaleReplicaSet(ctx, rs, 0, d);
        scaledDown = true;
      }
    }
    if (scaledDown || oldPodsRunning(ctx, d, refresh(ctx, old))) {
      syncRolloutStatus(ctx, d, refresh(ctx, [...old, ...(newRs ? [newRs] : [])]), newRs);
      return;
    }
    if (!newRs) ({ newRs, old } = replicaSetsAndRevision(ctx, d, rss, true));
    if (!newRs) return;
    const replicas = rolloutParams(d).replicas;
    if ((newRs.spec.replicas ?? 0) !== replicas) newRs = scaleReplicaSet(ctx, newRs, replicas, d);
    const fresh = refresh(ctx, [...old, newRs]);
    const freshNew = fresh.find((rs) => rs.metadata.uid === newRs?.metadata.uid);
    if (isComplete(d, calculateStatus(d, fresh, freshNew, at())))
      cleanupOldReplicaSets(
        ctx,
        d,
        fresh.filter((rs) => rs !== freshNew),
      );
    syncRolloutStatus(ctx, d, refresh(ctx, [...old, newRs]), freshNew);
  };

  /** `sync` in sync.go: scaling events and paused deployments (no rollout, no progress tracking). */
  const syncScale = (ctx: HubContext, d: Deployment, rss: ReplicaSet[]) => {
    const { newRs, old } = replicaSetsAndRevision(ctx, d, rss, false);
    const params = rolloutParams(d);
    const all = newRs ? [newRs, ...old] : old;
    const active = all.filter((rs) => (rs.spec.replicas ?? 0) > 0);
    let single: ReplicaSet | undefined;
    if (active.length === 1) single = active[0];
    else if (active.length === 0) single = newRs ?? [...old].sort(oldestFirst).at(-1);
    if (single) {
      scaleReplicaSet(ctx, single, params.replicas, d);
    } else if (
      newRs &&
      (newRs.spec.replicas ?? 0) === params.replicas &&
      newRs.metadata.annotations?.[ANNOTATION_DESIRED_REPLICAS] === String(params.replicas) &&
      (newRs.status?.availableReplicas ?? 0) === params.replicas
    ) {
      for (const rs of old) if ((rs.spec.replicas ?? 0) > 0) scaleReplicaSet(ctx, rs, 0, d);
    } else if (params.strategy === 'RollingUpdate') {
      const sizes = proportionalScale(params, active.map(numbersOf), d.status?.replicas ?? 0);
      for (const rs of active) scaleReplicaSet(ctx, rs, sizes.get(rs.metadata.name as string) as number, d);
    }
    const fresh = refresh(ctx, all);
    const freshNew = fresh.find((rs) => rs.metadata.uid === newRs?.metadata.uid);
    if (d.spec.paused)
      cleanupOldReplicaSets(
        ctx,
        d,
        fresh.filter((rs) => rs !== freshNew),
      );
    const status = calculateStatus(d, fresh, freshNew, at());
    writeDeploymentStatus(ctx, d, status);
  };

  const isScalingEvent = (d: Deployment, rss: ReplicaSet[]): boolean => {
    const replicas = String(rolloutParams(d).replicas);
    return rss.some((rs) => {
      if ((rs.spec.replicas ?? 0) === 0) return false;
      const desired = rs.metadata.annotations?.[ANNOTATION_DESIRED_REPLICAS];
      return desired !== undefined && desired !== replicas;
    });
  };

  /** checkPausedConditions: Progressing=Unknown DeploymentPaused / DeploymentResumed. */
  const syncPausedCondition = (ctx: HubContext, d: Deployment) => {
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === REASON.timedOut) return;
    const pausedShown = cond?.reason === REASON.paused;
    const status = structuredClone(d.status ?? {});
    if (d.spec.paused && !pausedShown) {
      setCondition(status, newCondition('Progressing', 'Unknown', REASON.paused, MESSAGE.paused, at()));
    } else if (!d.spec.paused && pausedShown) {
      setCondition(status, newCondition('Progressing', 'Unknown', REASON.resumed, MESSAGE.resumed, at()));
    } else return;
    writeDeploymentStatus(ctx, d, status);
  };

  const sync = (key: string) => {
    const ctx = context;
    if (!ctx) return;
    const { namespace, name } = splitKey(key);
    const d = getIfExists<Deployment>(ctx.service, DEPLOYMENTS, namespace, name);
    if (!d) return;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(d.spec.selector);
    } catch {
      return;
    }
    if (selector.empty) {
      recorder?.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    const rss = claimReplicaSets(ctx, d, selector);
    for (const rs of rss) rsOwner.set(objectKey(rs), key);
    if (isDeleting(d)) {
      const { newRs } = split(d, rss);
      writeDeploymentStatus(ctx, d, calculateStatus(d, rss, newRs, at()));
      return;
    }
    syncPausedCondition(ctx, d);
    // Decide on settled ReplicaSet statuses only: their next status write brings us back here.
    if (rss.some((rs) => (rs.status?.observedGeneration ?? 0) < (rs.metadata.generation ?? 0))) return;
    if (d.spec.paused || isScalingEvent(d, rss)) {
      syncScale(ctx, d, rss);
      return;
    }
    if (rolloutParams(d).strategy === 'Recreate') rolloutRecreate(ctx, d, rss);
    else rolloutRolling(ctx, d, rss);
  };

  const enqueueForReplicaSet = (rs: ReplicaSet) => {
    const ref = controllerRef(rs);
    const ns = rs.metadata.namespace;
    if (ref) {
      if (ref.kind === 'Deployment') queue?.add(`${ns}/${ref.name}`);
      return;
    }
    for (const [key, d] of deployments) {
      if (d.metadata.namespace !== ns) continue;
      try {
        if (selectorFromLabelSelector(d.spec.selector).matches(rs.metadata.labels ?? {})) queue?.add(key);
      } catch {
        // invalid selector: the deployment is not synced anyway
      }
    }
  };

  return {
    name: DEPLOYMENT_CONTROLLER,
    start(ctx) {
      context = ctx;
      recorder = createEventRecorder(ctx.service, DEPLOYMENT_CONTROLLER, { now: ctx.now, log: ctx.log });
      queue = createWorkQueue({
        name: DEPLOYMENT_CONTROLLER,
        process: (key) => ctx.store.batch(() => sync(key)),
        log: ctx.log,
      });
      unwatch.push(
        listAndWatch<Deployment>(ctx.service, DEPLOYMENTS, (type, d) => {
          const key = objectKey(d);
          if (type === 'DELETED') deployments.delete(key);
          else deployments.set(key, d);
          queue?.add(key);
        }),
      );
      unwatch.push(
        listAndWatch<ReplicaSet>(ctx.service, REPLICASETS, (type, rs) => {
          if (type === 'DELETED') rsOwner.delete(objectKey(rs));
          enqueueForReplicaSet(rs);
        }),
      );
      // Recreate waits for old pods to be gone: a pod removal may be the event that unblocks it.
      unwatch.push(
        ctx.service.watch(PODS, {}, (event) => {
          if (event.type !== 'DELETED') return;
          const ref = controllerRef(event.object);
          if (ref?.kind !== 'ReplicaSet') return;
          const owner = rsOwner.get(`${event.object.metadata.namespace}/${ref.name}`);
          if (owner) queue?.add(owner);
        }),
      );
    },
    stop() {
      for (const u of unwatch.splice(0)) u();
      queue?.shutDown();
      deployments.clear();
      rsOwner.clear();
      context = undefined;
    },
  };
}
