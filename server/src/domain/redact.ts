// Secrets never appear in an answer or a log line: API keys by their shape, the console token by value.
const KEY_LIKE = /slk_[0-9A-Za-z]{8,}/g;

/** `text` with anything that looks like an API key, and the console token, replaced. */
export function redactSecrets(text: string, consoleToken: string): string {
  let out = text.replace(KEY_LIKE, 'slk_[redacted]');
  if (consoleToken) out = out.split(consoleToken).join('[redacted]');
  return out;
}
