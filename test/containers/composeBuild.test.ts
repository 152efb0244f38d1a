/**
 * docker-compose.yml builds the images too (`docker compose build`, or `up` without
 * --no-build), and passes NODE_IMAGE to both: the images it builds start with every
 * layer of that base. Run after .cicd/.cicd.sh built the same Dockerfiles, so the
 * engine's layer cache makes it quick.
 */
import { ComposeProject, docker } from './compose';
import { preparedImages } from './fleet';

const TAG = `compose-build-${process.pid}`;
const SERVICES = ['timer-api', 'timer-controller'];

async function layers(image: string): Promise<string[]> {
  return JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', image])) as string[];
}

afterAll(async () => {
  await docker(['rmi', ...SERVICES.map((s) => `${s}:${TAG}`)]).catch(() => undefined);
});

it('builds both images on NODE_IMAGE', async () => {
  const { NODE_IMAGE } = preparedImages();
  const project = new ComposeProject(`timer-ct-${process.pid}-build`, { NODE_IMAGE, TIMER_IMAGE_TAG: TAG });
  await project.compose(['build', ...SERVICES], 900_000);
  const base = await layers(NODE_IMAGE);
  for (const service of SERVICES) {
    const built = await layers(`${service}:${TAG}`);
    expect({ service, base: built.slice(0, base.length) }).toEqual({ service, base });
    expect(built.length).toBeGreaterThan(base.length);
  }
});
