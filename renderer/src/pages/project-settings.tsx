import { useEffect, useState } from 'react';
import { api, type BuildConfiguration, type FunctionRuntime, type LocalImage, type Project } from '../api.js';
import { ImagePicker } from '../components/image-picker.js';
import { NetworkPicker } from '../components/network-picker.js';
import { ErrorNote, Field } from '../components/ui.js';

/** Number fields as typed; an empty one is sent as null, so the server names the field. */
const num = (value: string) => (value.trim() === '' ? null : Number(value));
const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

export function ProjectSettings({
  project,
  images,
  onDelete,
}: {
  project: Project;
  images: LocalImage[] | undefined;
  onDelete: () => void;
}) {
  const initial = () => ({
    dockerImage: project.dockerImage,
    runTimeoutSeconds: String(project.runTimeoutSeconds),
    memoryLimitMb: String(project.memoryLimitMb),
    pidsLimit: String(project.pidsLimit),
    publicInstances: project.publicInstances,
    buildConfiguration: project.buildConfiguration,
    stopGraceSeconds: String(project.stopGraceSeconds),
    devRunTimeoutSeconds: String(project.devRunTimeoutSeconds),
    restartOnFailure: project.restartOnFailure,
    runtime: project.runtime,
    reservedConcurrency: String(project.reservedConcurrency),
    networks: project.networks ?? [],
  });
  const [synced, setSynced] = useState(initial);
  const [form, setForm] = useState(synced);
  const [error, setError] = useState<Error>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [form]);
  // a change made elsewhere (the image fix, the CLI) shows here, unless the form has edits of its own
  useEffect(() => {
    const next = initial();
    setForm((f) => (same(f, synced) && !same(f, next) ? next : f));
    setSynced(next);
  }, [project.updated]);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.updateProject(project.id, {
        dockerImage: form.dockerImage,
        runTimeoutSeconds: num(form.runTimeoutSeconds),
        memoryLimitMb: num(form.memoryLimitMb),
        pidsLimit: num(form.pidsLimit),
        publicInstances: form.publicInstances,
        buildConfiguration: form.buildConfiguration,
        stopGraceSeconds: num(form.stopGraceSeconds),
        devRunTimeoutSeconds: num(form.devRunTimeoutSeconds),
        restartOnFailure: form.restartOnFailure,
        runtime: form.runtime,
        reservedConcurrency: num(form.reservedConcurrency),
        networks: form.networks,
      });
      setSaved(true);
    } catch (err) {
      setError(err as Error);
    }
  };
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => setForm({ ...form, [key]: value });
  return (
    <form className="panel form" onSubmit={save} noValidate data-testid="project-settings">
      <h2>Settings</h2>
      <p className="muted small mono wrap-anywhere">
        {project.sourcePath} · target {project.targetName}
      </p>
      <Field label="Image">
        <ImagePicker
          value={form.dockerImage}
          onChange={(v) => set('dockerImage', v)}
          images={images}
          testId="setting-image"
        />
      </Field>
      <div className="field-grid">
        <Field label="Runtime">
          <select
            value={form.runtime}
            onChange={(e) => set('runtime', e.target.value as FunctionRuntime)}
            data-testid="setting-runtime"
            title="process: the platform's runs; AWS Lambda: invoked through AWS's Invoke API"
          >
            <option value="process">process</option>
            <option value="awsLambda">AWS Lambda</option>
          </select>
        </Field>
        <Field label="Timeout (s)">
          <input
            type="number"
            min={1}
            max={86400}
            value={form.runTimeoutSeconds}
            onChange={(e) => set('runTimeoutSeconds', e.target.value)}
            data-testid="setting-timeout"
          />
        </Field>
        <Field label="Memory (MiB)">
          <input
            type="number"
            min={16}
            value={form.memoryLimitMb}
            onChange={(e) => set('memoryLimitMb', e.target.value)}
            data-testid="setting-memory"
          />
        </Field>
        <Field label="Processes">
          <input type="number" min={8} value={form.pidsLimit} onChange={(e) => set('pidsLimit', e.target.value)} />
        </Field>
        <Field label="Build configuration">
          <select
            value={form.buildConfiguration}
            onChange={(e) => set('buildConfiguration', e.target.value as BuildConfiguration)}
            title="swift build -c debug rebuilds faster; release is what the platform runs"
            data-testid="setting-build-configuration"
          >
            <option value="release">release</option>
            <option value="debug">debug</option>
          </select>
        </Field>
        <Field label="Stop grace (s)">
          <input
            type="number"
            min={0}
            max={300}
            value={form.stopGraceSeconds}
            onChange={(e) => set('stopGraceSeconds', e.target.value)}
            title="Seconds between SIGTERM and the kill when a run is stopped"
            data-testid="setting-stop-grace"
          />
        </Field>
        {form.runtime === 'process' && (
          <Field label="Dev run timeout (s)">
            <input
              type="number"
              min={1}
              max={604800}
              value={form.devRunTimeoutSeconds}
              onChange={(e) => set('devRunTimeoutSeconds', e.target.value)}
              title="The deadline of the runs Watch and swiftlambda dev start"
              data-testid="setting-dev-timeout"
            />
          </Field>
        )}
        {form.runtime === 'awsLambda' && (
          <Field label="Reserved concurrency">
            <input
              type="number"
              min={0}
              max={1000}
              value={form.reservedConcurrency}
              onChange={(e) => set('reservedConcurrency', e.target.value)}
              title="The most warm containers the function runs at once; 0 turns invocations away"
              data-testid="setting-reserved-concurrency"
            />
          </Field>
        )}
      </div>
      {form.runtime === 'process' && (
        <label className="check">
          <input
            type="checkbox"
            checked={form.publicInstances}
            onChange={(e) => set('publicInstances', e.target.checked)}
            data-testid="setting-public"
          />
          publicInstances: service runs started from now on answer without an API key
        </label>
      )}
      {form.runtime === 'process' && (
        <label className="check">
          <input
            type="checkbox"
            checked={form.restartOnFailure}
            onChange={(e) => set('restartOnFailure', e.target.checked)}
            data-testid="setting-restart-on-failure"
          />
          restartOnFailure: while watching, a service run that crashes is started again (1, 2, 4 … 30 s later)
        </label>
      )}
      <div className="field" role="group" aria-label="Networks">
        <span className="field-label">Networks</span>
        <NetworkPicker value={form.networks} onChange={(v) => set('networks', v)} />
        <span className="field-hint">
          Runs join these besides the default bridge, so compose service names resolve. This machine is
          host.docker.internal; $SWIFTLAMBDA_API_URL reaches your other projects.
        </span>
      </div>
      <ErrorNote error={error} testId="settings-error" />
      <div className="form-actions">
        <button type="button" className="btn btn-danger-ghost" onClick={onDelete} data-testid="delete-project">
          Delete project…
        </button>
        <span className="spacer" />
        {saved && <span className="muted">Saved</span>}
        <button type="submit" className="btn" data-testid="save-settings">
          Save settings
        </button>
      </div>
    </form>
  );
}
