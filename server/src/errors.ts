// Typed errors. Services throw AppError with a stable reason; the HTTP layer alone maps the
// reason to a status code (see http/error-middleware.ts).

export const errorStatus = {
  // 400
  bad_request: 400,
  invalid_json: 400,
  invalid_body: 400,
  unknown_field: 400,
  invalid_mode: 400,
  invalid_arguments: 400,
  invalid_state: 400,
  invalid_query: 400,
  invalid_name: 400,
  invalid_source_path: 400,
  source_path_not_found: 400,
  package_manifest_missing: 400,
  invalid_target_name: 400,
  unknown_target: 400,
  invalid_docker_image: 400,
  invalid_run_timeout: 400,
  invalid_public_instances: 400,
  invalid_memory_limit: 400,
  invalid_pids_limit: 400,
  invalid_watch: 400,
  invalid_build_configuration: 400,
  invalid_stop_grace: 400,
  invalid_dev_run_timeout: 400,
  invalid_restart_on_failure: 400,
  invalid_runtime: 400,
  invalid_reserved_concurrency: 400,
  invalid_environment: 400,
  reserved_env_name: 400,
  invalid_env_file: 400,
  invalid_secret: 400,
  invalid_networks: 400,
  invalid_expires_in_days: 400,
  invalid_projects: 400,
  unknown_project: 400,
  invalid_binary_path: 400,
  binary_not_found: 400,
  binary_not_elf: 400,
  unsupported_protocol: 400,
  missing_host: 400,
  duplicate_host: 400,
  invalid_request_target: 400,
  malformed_path: 400,
  invalid_cron: 400,
  invalid_timezone: 400,
  invalid_idempotency_key: 400,
  invalid_method: 400,
  invalid_path: 400,
  invalid_headers: 400,
  // 401 / 403
  missing_api_key: 401,
  invalid_api_key: 401,
  revoked_api_key: 401,
  expired_api_key: 401,
  console_auth_required: 401,
  forbidden_project: 403,
  forbidden_host: 403,
  forbidden_origin: 403,
  // 404
  not_found: 404,
  project_not_found: 404,
  run_not_found: 404,
  key_not_found: 404,
  compilation_not_found: 404,
  instance_not_found: 404,
  request_not_found: 404,
  secret_not_found: 404,
  schedule_not_found: 404,
  // 405
  method_not_allowed: 405,
  // 409
  no_succeeded_compilation: 409,
  debug_build_required: 409,
  name_taken: 409,
  not_stoppable: 409,
  key_already_revoked: 409,
  instance_not_servable: 409,
  instance_not_running: 409,
  request_not_replayable: 409,
  not_aws_lambda: 409,
  too_many_schedules: 409,
  idempotency_key_reused: 409,
  // 413
  payload_too_large: 413,
  // 429
  too_many_requests: 429,
  // 5xx
  internal_error: 500,
  instance_unreachable: 502,
  image_unavailable: 502,
  docker_unavailable: 503,
  instance_timeout: 504,
  insufficient_storage: 507,
} as const;

export type ErrorReason = keyof typeof errorStatus;

export class AppError extends Error {
  readonly reason: ErrorReason;
  constructor(reason: ErrorReason, message?: string) {
    super(message ?? reason);
    this.name = 'AppError';
    this.reason = reason;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What a write meets when the disk is full, over quota, failing or read-only. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);

export function isStorageFault(err: unknown): err is NodeJS.ErrnoException {
  return STORAGE_CODES.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}
