/** Containers, probes, volumes and pod templates, as kubectl describe prints them. */
import {
  annotationsMultiline,
  DescribeWriter,
  labelsMultiline,
  rfc1123z,
  type Toleration,
  tolerationsMultiline,
} from './writer.js';

export interface ProbeLike {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port?: number | string; host?: string; scheme?: string };
  tcpSocket?: { port?: number | string; host?: string };
  grpc?: { port?: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ContainerLike {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { containerPort: number; hostPort?: number; protocol?: string }[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { apiVersion?: string; fieldPath?: string } } }[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  livenessProbe?: ProbeLike;
  readinessProbe?: ProbeLike;
  startupProbe?: ProbeLike;
}

export interface ContainerStateLike {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: {
    reason?: string;
    message?: string;
    exitCode?: number;
    signal?: number;
    startedAt?: string;
    finishedAt?: string;
  };
}

export interface ContainerStatusLike {
  name: string;
  containerID?: string;
  imageID?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerStateLike;
  lastState?: ContainerStateLike;
}

export interface VolumeLike {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path: string; type?: string };
  [k: string]: unknown;
}

/** DescribeProbe. */
export function describeProbe(p: ProbeLike): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const scheme = (p.httpGet.scheme ?? 'HTTP').toLowerCase();
    const port = p.httpGet.port !== undefined ? String(p.httpGet.port) : '';
    const host = p.httpGet.host ?? '';
    const hostPort = port ? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`) : host;
    return `http-get ${scheme}://${hostPort}${p.httpGet.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port ?? ''} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: DescribeWriter, title: string, s: ContainerStateLike | undefined): void {
  if (s?.running) {
    w.write(2, `${title}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(s.running.startedAt)}\n`);
  } else if (s?.terminated) {
    const t = s.terminated;
    w.write(2, `${title}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode ?? 0}\n`);
    if (t.signal) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(2, `${title}:\tWaiting\n`);
    if (s?.waiting?.reason) w.write(3, `Reason:\t${s.waiting.reason}\n`);
  }
}

function sortedResourceNames(r: Record<string, string>): string[] {
  return Object.keys(r).sort();
}

export function describeResources(w: DescribeWriter, r: ContainerLike['resources'], level: number): void {
  if (!r) return;
  if (r.limits && Object.keys(r.limits).length) {
    w.write(level, 'Limits:\n');
    for (const k of sortedResourceNames(r.limits)) w.write(level + 1, `${k}:\t${r.limits[k]}\n`);
  }
  if (r.requests && Object.keys(r.requests).length) {
    w.write(level, 'Requests:\n');
    for (const k of sortedResourceNames(r.requests)) w.write(level + 1, `${k}:\t${r.requests[k]}\n`);
  }
}

export function describeContainers(
  w: DescribeWriter,
  label: string,
  containers: ContainerLike[],
  statuses: ContainerStatusLike[] | undefined,
  space = '',
): void {
  if (containers.length === 0) {
    w.write(0, `${space}${label}: <none>\n`);
    return;
  }
  w.write(0, `${space}${label}:\n`);
  const nameIndent = space ? ' ' : '';
  for (const c of containers) {
    const st = statuses?.find((s) => s.name === c.name);
    w.write(1, `${nameIndent}${c.name}:\n`);
    if (st) w.write(2, `Container ID:\t${st.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image ?? ''}\n`);
    if (st) w.write(2, `Image ID:\t${st.imageID ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
    const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', ');
    w.write(2, ports.includes(',') ? `Ports:\t${ports}\n` : `Port:\t${ports || '<none>'}\n`);
    w.write(2, hostPorts.includes(',') ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${hostPorts || '<none>'}\n`);
    if (c.command?.length) {
      w.write(2, 'Command:\n');
      for (const s of c.command.flatMap((x) => x.split('\n'))) w.write(3, `${s}\n`);
    }
    if (c.args?.length) {
      w.write(2, 'Args:\n');
      for (const s of c.args.flatMap((x) => x.split('\n'))) w.write(3, `${s}\n`);
    }
    if (st) {
      describeState(w, 'State', st.state);
      if (st.lastState?.terminated) describeState(w, 'Last State', st.lastState);
      w.write(2, `Ready:\t${st.ready ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${st.restartCount ?? 0}\n`);
    }
    describeResources(w, c.resources, 2);
    if (c.livenessProbe) w.write(2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
    w.write(2, `Environment:${c.env?.length ? '' : '\t<none>'}\n`);
    for (const e of c.env ?? []) {
      if (e.valueFrom?.fieldRef) {
        w.write(
          3,
          `${e.name}:\t (${e.valueFrom.fieldRef.apiVersion ?? 'v1'}:${e.valueFrom.fieldRef.fieldPath ?? ''})\n`,
        );
        continue;
      }
      for (const [i, s] of (e.value ?? '').split('\n').entries())
        w.write(3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`);
    }
    w.write(2, `Mounts:${c.volumeMounts?.length ? '' : '\t<none>'}\n`);
    for (const m of [...(c.volumeMounts ?? [])].sort((a, b) => a.mountPath.localeCompare(b.mountPath))) {
      const flags = [m.readOnly ? 'ro' : 'rw'];
      if (m.subPath) flags.push(`path=${JSON.stringify(m.subPath)}`);
      w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
    }
  }
}

export function describeVolumes(w: DescribeWriter, volumes: VolumeLike[] | undefined, space = ''): void {
  if (!volumes?.length) {
    w.write(0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(0, `${space}Volumes:\n`);
  const nameIndent = space ? ' ' : '';
  for (const v of volumes) {
    w.write(1, `${nameIndent}${v.name}:\n`);
    if (v.hostPath) {
      w.write(
        2,
        `Type:\tHostPath (bare host directory volume)\n    Path:\t${v.hostPath.path}\n    HostPathType:\t${v.hostPath.type ?? ''}\n`,
      );
    } else if (v.emptyDir) {
      w.write(
        2,
        `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n    SizeLimit:\t${v.emptyDir.sizeLimit ?? '<unset>'}\n`,
      );
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      w.write(2, `Type:\t${kind}\n`);
    }
  }
}

export interface PodTemplateLike {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    initContainers?: ContainerLike[];
    containers?: ContainerLike[];
    volumes?: VolumeLike[];
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    priorityClassName?: string;
  };
}

/** DescribePodTemplate. */
export function describePodTemplate(w: DescribeWriter, tpl: PodTemplateLike): void {
  w.write(0, 'Pod Template:\n');
  labelsMultiline(w, 'Labels', tpl.metadata?.labels, '  ');
  if (tpl.metadata?.annotations && Object.keys(tpl.metadata.annotations).length) {
    annotationsMultiline(w, 'Annotations', tpl.metadata.annotations, '  ');
  }
  const spec = tpl.spec ?? {};
  if (spec.serviceAccountName) w.write(1, `Service Account:\t${spec.serviceAccountName}\n`);
  if (spec.initContainers?.length) describeContainers(w, 'Init Containers', spec.initContainers, undefined, '  ');
  describeContainers(w, 'Containers', spec.containers ?? [], undefined, '  ');
  describeVolumes(w, spec.volumes, '  ');
  if (spec.priorityClassName) w.write(1, `Priority Class Name:\t${spec.priorityClassName}\n`);
  labelsMultiline(w, 'Node-Selectors', spec.nodeSelector, '  ');
  tolerationsMultiline(w, 'Tolerations', spec.tolerations, '  ');
}

/** A pod template on its own (`rollout history --revision=N`), tabs unexpanded as kubectl prints it. */
export function describeTemplate(tpl: PodTemplateLike): string {
  const w = new DescribeWriter();
  describePodTemplate(w, tpl);
  return w.raw();
}
