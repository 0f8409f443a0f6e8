// Errors as sentences a person reads: the server's reason picks one; the server's own message is
// the fallback (it is written for people already, except for schema checks like "name: Too small…").
import { ApiError } from './api.js';

const SENTENCES: Record<string, string | ((message: string) => string)> = {
  invalid_name: 'Give it a name of 1 to 100 characters.',
  name_taken: (message) => {
    const name = /"([^"]+)"/.exec(message)?.[1];
    return name
      ? `A project named “${name}” already exists. Choose another name.`
      : 'A project with that name already exists. Choose another name.';
  },
  invalid_source_path: (message) =>
    /absolute/.test(message) || !/ is not a folder$/.test(message)
      ? 'The package folder must be an absolute path, such as /Users/me/code/my-lambda.'
      : `${message.replace(/ is not a folder$/, '')} is a file, not a folder. Pick the folder that holds Package.swift.`,
  source_path_not_found: (message) => `${message.replace(/ does not exist$/, '')} does not exist on this machine.`,
  package_manifest_missing: (message) =>
    `${message.replace(/ has no Package\.swift$/, '')} has no Package.swift: pick the package's root folder.`,
  invalid_target_name: 'A target name has letters, digits, “_”, “.” and “-” only (up to 128 characters).',
  invalid_docker_image:
    'That is not an image name Docker accepts (for example swift:6.0 or swiftlambda/swift:6.0-trixie-git).',
  invalid_run_timeout: 'The run timeout is a whole number of seconds from 1 to 86,400 (one day).',
  invalid_memory_limit: 'Memory is a whole number of MiB from 16 to 65,536.',
  invalid_pids_limit: 'Processes is a whole number from 8 to 65,536.',
  invalid_stop_grace: 'Stop grace is a whole number of seconds from 0 to 300.',
  invalid_build_configuration: 'The build configuration is release or debug.',
  invalid_runtime: 'The runtime is process or AWS Lambda.',
  invalid_reserved_concurrency: 'Reserved concurrency is a whole number from 0 to 1,000.',
  invalid_expires_in_days: 'A key expires after a whole number of days from 1 to 3,650 (ten years), or never.',
  invalid_projects: 'Pick at least one project, or do not restrict the key.',
  unknown_project: 'One of the chosen projects no longer exists. Reload the page and choose again.',
  invalid_arguments: 'Arguments are up to 256 texts, each under 4 KiB, with no NUL character.',
  no_succeeded_compilation: 'Build the project first: a run starts the newest successful build.',
  docker_unavailable: 'Docker is not running. Start Docker Desktop (or the Docker service) and try again.',
  console_auth_required: 'The console session has ended. Open the console with the link the server printed.',
  invalid_json: 'That is not valid JSON.',
  invalid_cron: (message) => `That is not a cron expression the emulator reads: ${message.replace(/^cron: /, '')}`,
  invalid_timezone: 'Name a time zone as the IANA database does, for example Europe/Berlin or America/New_York.',
  too_many_schedules: 'A project has at most 20 schedules: delete one first.',
};

/** The sentence to show for an error from the API (or any other error's message). */
export function friendlyMessage(error: Error | string): string {
  if (typeof error === 'string') return error;
  if (!(error instanceof ApiError)) return error.message;
  const sentence = SENTENCES[error.reason];
  if (sentence === undefined) return error.message;
  return typeof sentence === 'string' ? sentence : sentence(error.message);
}
