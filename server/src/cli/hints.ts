// What a CLI user can do about an API refusal: the message names the `swiftlambda` command that
// fixes it, where the server's own message (written for every client) may say "the console".
import type { ApiCallError } from './client.js';

/** What the command line named, for the hints. */
export interface HintContext {
  projectId?: string;
  runId?: string;
  keyId?: string;
}

/** The message to show for an API refusal: a hint for the reasons the CLI can fix, else the server's. */
export function explain(err: ApiCallError, ctx: HintContext): string {
  return hintFor(err.reason, ctx.projectId ?? '<LAMBDA_ID>', ctx) ?? (err.serverMessage || err.reason);
}

function hintFor(reason: string, project: string, ctx: HintContext): string | undefined {
  switch (reason) {
    case 'no_succeeded_compilation':
      return `no successful build yet: run \`swiftlambda build ${project}\``;
    case 'project_not_found':
      return `no project ${project}: \`swiftlambda projects list\` shows the LAMBDA_IDs`;
    case 'unknown_project':
      return 'a --project names no project: `swiftlambda projects list` shows the LAMBDA_IDs';
    case 'run_not_found':
      return `no run ${ctx.runId ?? ''} in project ${project}: \`swiftlambda runs ${project}\` lists its runs`;
    case 'key_not_found':
      return `no key ${ctx.keyId ?? ''}: \`swiftlambda keys list\` shows the KEY_IDs`;
    case 'name_taken':
      return 'a project has that name already: pick another --name (`swiftlambda projects list` shows the names)';
    case 'console_auth_required':
    case 'invalid_api_key':
      // the server at server.json's URL is not the one that wrote it
      return "the server refused the console token in server.json: it is another server's; restart the emulator (`npm start`) or pass --data-dir";
    default:
      return undefined;
  }
}
