/** `peapod completion bash`: a bash completion script (verbs, resource types, live object names). */
import { CliError } from '../errors.js';

const VERBS =
  'get describe apply create run delete logs exec scale set rollout label annotate taint cordon uncordon drain expose top explain version config completion hub agent up down help';
const TYPES =
  'pods po nodes no deployments deploy replicasets rs services svc endpoints ep namespaces ns events ev all';

export function bashCompletion(): string {
  return `# bash completion for peapod                              -*- shell-script -*-
# Load with: source <(peapod completion bash)
_peapod() {
  local cur prev words cword
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ \${COMP_CWORD} -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${VERBS}" -- "$cur") )
    return 0
  fi
  local verb="\${COMP_WORDS[1]}"
  case "$prev" in
    -n|--namespace)
      COMPREPLY=( $(compgen -W "$(peapod get namespaces -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") )
      return 0 ;;
    -f|--filename)
      COMPREPLY=( $(compgen -f -- "$cur") )
      return 0 ;;
    -o|--output)
      COMPREPLY=( $(compgen -W "wide yaml json name jsonpath= custom-columns=" -- "$cur") )
      return 0 ;;
  esac
  case "$verb" in
    rollout)
      if [[ \${COMP_CWORD} -eq 2 ]]; then COMPREPLY=( $(compgen -W "status history undo pause resume restart" -- "$cur") ); return 0; fi ;;
    config)
      if [[ \${COMP_CWORD} -eq 2 ]]; then COMPREPLY=( $(compgen -W "view get-contexts use-context current-context" -- "$cur") ); return 0; fi ;;
    top)
      if [[ \${COMP_CWORD} -eq 2 ]]; then COMPREPLY=( $(compgen -W "nodes pods" -- "$cur") ); return 0; fi ;;
    set)
      if [[ \${COMP_CWORD} -eq 2 ]]; then COMPREPLY=( $(compgen -W "image" -- "$cur") ); return 0; fi ;;
    completion)
      COMPREPLY=( $(compgen -W "bash" -- "$cur") ); return 0 ;;
    logs|exec)
      COMPREPLY=( $(compgen -W "$(peapod get pods -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") )
      return 0 ;;
    cordon|uncordon|drain)
      COMPREPLY=( $(compgen -W "$(peapod get nodes -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") )
      return 0 ;;
  esac
  local i type=""
  for (( i=2; i < COMP_CWORD; i++ )); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) type="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$type" ]]; then
    COMPREPLY=( $(compgen -W "${TYPES}" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$(peapod get "$type" -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") )
  fi
}
complete -o default -F _peapod peapod
`;
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] !== 'bash') throw new CliError(`Unsupported shell type "${argv[0] ?? ''}". (supported: bash)`);
  process.stdout.write(bashCompletion());
  return 0;
}
