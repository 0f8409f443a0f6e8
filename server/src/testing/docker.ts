// Direct engine access for tests that check what Docker really has.
import Docker from 'dockerode';
import { DockerodeEngine } from '../adapters/docker/dockerode-engine.js';

export const testEngine = new DockerodeEngine();

export async function containersOfRun(runId: string): Promise<number> {
  return (await testEngine.listContainers({ 'swiftlambda.run': runId })).length;
}

/** The engine's raw view of a run's container (tests inspect the security defaults). */
export async function inspectRunContainerRaw(runId: string): Promise<Docker.ContainerInspectInfo | null> {
  const docker = new Docker();
  const [c] = await docker.listContainers({ all: true, filters: { label: [`swiftlambda.run=${runId}`] } });
  return c ? docker.getContainer(c.Id).inspect() : null;
}
