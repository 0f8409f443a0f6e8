import type { Project } from '../api.js';
import { CurlSnippet } from '../components/curl-snippet.js';
import { CodeBlock, CopyButton } from '../components/ui.js';
import { shellQuote } from '../curl.js';

/** The function URL of an AWS Lambda mode project: every method and path under it invokes the function. */
export function functionUrl(apiUrl: string, projectId: string): string {
  return `${apiUrl}/lambda-url/${encodeURIComponent(projectId)}/`;
}

/** curl commands for the function URL; `key` null for a project that needs none (publicInstances). */
export function functionUrlCurl(url: string, key: string | null): string {
  const auth = key === null ? '' : ` \\\n  -H "X-API-Key: ${key}"`;
  return [
    `# GET /hello?name=Swift (the event's rawPath is /hello)\ncurl -i ${shellQuote(`${url}hello?name=Swift`)}${auth}`,
    `# POST a JSON body\ncurl -i -X POST ${shellQuote(`${url}items`)}${auth} \\\n  -H 'Content-Type: application/json' -d '{"name":"swift"}'`,
  ].join('\n');
}

/**
 * AWS Lambda mode: the function's URL, as a function URL or `sam local start-api` gives one. A call
 * becomes an API Gateway HTTP API event (payload format 2.0), the handler's answer the HTTP answer.
 */
export function FunctionUrlPanel({ project, apiUrl }: { project: Project; apiUrl: string }) {
  const url = functionUrl(apiUrl, project.id);
  return (
    <section className="panel" data-testid="function-url">
      <h2>Function URL</h2>
      <p className="muted small">
        Any method and path under this URL invokes the function with an API Gateway HTTP API event (payload format 2.0),
        as an AWS function URL does; its <code>statusCode</code>, <code>headers</code>, <code>cookies</code> and{' '}
        <code>body</code> are the answer.{' '}
        {project.publicInstances
          ? 'publicInstances is on: it answers without an API key.'
          : 'It needs an API key, as the Invoke API does (or turn publicInstances on).'}
      </p>
      <p className="lambda-id">
        <code className="mono wrap-anywhere" data-testid="function-url-address">
          {url}
        </code>{' '}
        <CopyButton text={url} testId="function-url-copy" />
      </p>
      {project.publicInstances ? (
        <CodeBlock code={functionUrlCurl(url, null)} testId="function-url-curl-code" />
      ) : (
        <CurlSnippet projectId={project.id} code={(key) => functionUrlCurl(url, key)} testId="function-url-curl" />
      )}
    </section>
  );
}
