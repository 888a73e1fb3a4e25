/** kubectl's deployment rollout status messages (polymorphichelpers DeploymentStatusViewer). */

export interface DeploymentLike {
  metadata: { name: string; generation?: number; uid?: string; annotations?: Record<string, string> };
  spec: {
    replicas?: number;
    paused?: boolean;
    template?: unknown;
    selector?: { matchLabels?: Record<string, string> };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string }[];
  };
}

export class RolloutError extends Error {}

/** Returns [message, done]; throws RolloutError when the progress deadline was exceeded. */
export function deploymentStatus(d: DeploymentLike): [string, boolean] {
  const name = d.metadata.name;
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const progressing = st.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      throw new RolloutError(`deployment "${name}" exceeded its progress deadline`);
    }
    const want = d.spec.replicas ?? 1;
    const updated = st.updatedReplicas ?? 0;
    const replicas = st.replicas ?? 0;
    const available = st.availableReplicas ?? 0;
    if (updated < want) {
      return [
        `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
        false,
      ];
    }
    if (replicas > updated) {
      return [
        `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`,
        false,
      ];
    }
    if (available < updated) {
      return [
        `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
        false,
      ];
    }
    return [`deployment "${name}" successfully rolled out`, true];
  }
  return ['Waiting for deployment spec update to be observed...', false];
}
