// Direct engine access for tests that check what Docker really has.
import { DockerodeEngine } from '../adapters/docker/dockerode-engine.js';

export const testEngine = new DockerodeEngine();

export async function containersOfRun(runId: string): Promise<number> {
  return (await testEngine.listContainers({ 'swiftlambda.run': runId })).length;
}
