/**
 * Every example in the OpenAPI document is valid by its own schema, in both shapes of
 * the document: mock servers, generated tests and readers take examples at their word.
 * The check is the api's own request validation (Ajv as http/validation.ts sets it up),
 * so "valid" means what the api means by it. Spectral checks the same from outside
 * (`npm run lint:openapi`); this one runs with the tests and names the example.
 */
import { buildOpenApiDocument } from '../src/openapi';
import { bodyValidator } from '../src/http/validation';
import { DOCUMENT_SHAPES } from '../src/writeOpenApi';

interface Example {
  /** Where in the document, e.g. paths./timers.post.responses.201.content.application/json.example */
  where: string;
  schema: object;
  value: unknown;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The examples of a document: `example` and `examples` beside a `schema` (media types,
 * parameters, headers), and `examples`, `example` and `default` inside a schema.
 * Example values themselves are not searched: they are data, not document.
 */
function examplesIn(node: unknown, where: string): Example[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => examplesIn(v, `${where}[${i}]`));
  if (!isObject(node)) return [];
  const found: Example[] = [];
  if (isObject(node.schema)) {
    if ('example' in node) found.push({ where: `${where}.example`, schema: node.schema, value: node.example });
    if (isObject(node.examples)) {
      for (const [name, e] of Object.entries(node.examples)) {
        found.push({ where: `${where}.examples.${name}`, schema: node.schema, value: (e as Json).value });
      }
    }
  } else {
    if (Array.isArray(node.examples)) {
      node.examples.forEach((value, i) => found.push({ where: `${where}.examples[${i}]`, schema: node, value }));
    }
    if ('example' in node) found.push({ where: `${where}.example`, schema: node, value: node.example });
    if (typeof node.type === 'string' && 'default' in node) {
      found.push({ where: `${where}.default`, schema: node, value: node.default });
    }
  }
  for (const [key, child] of Object.entries(node)) {
    if (key !== 'example' && key !== 'examples') found.push(...examplesIn(child, where ? `${where}.${key}` : key));
  }
  return found;
}

const validators = new Map<string, (value: unknown) => unknown>();

/** Problems of `value` by `schema`, whose `#/components/...` references point into `document`. */
function problems(document: Json, schema: object, value: unknown): string | null {
  const key = JSON.stringify([schema, document.components]);
  // The document's components ride along so that references resolve against them.
  if (!validators.has(key)) validators.set(key, bodyValidator({ ...schema, components: document.components } as never));
  try {
    validators.get(key)!(value);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe.each(Object.entries(DOCUMENT_SHAPES))('the examples of %s', (_file, options) => {
  const document = buildOpenApiDocument('0.0.0-test', options);
  const examples = examplesIn(document, '');

  it('are found where the document has them: requests, answers, parameters and schemas', () => {
    const places = examples.map((e) => e.where);
    expect(places).toEqual(
      expect.arrayContaining([
        'paths./timers.post.requestBody.content.application/json.examples.policies',
        'paths./timers.post.responses.201.content.application/json.example',
        'paths./timers/{id}/attempts.get.responses.200.content.application/json.example',
        'paths./schedules.post.requestBody.content.application/json.example',
        'paths./healthz.get.responses.200.content.application/json.example',
        'components.schemas.RetryPolicyRequest.examples[0]',
        'components.schemas.CreateScheduleRequest.properties.timezone.default',
      ]),
    );
    expect(examples.length).toBeGreaterThan(40);
  });

  it('each validate against their schema', () => {
    const invalid = examples
      .map((e) => ({ where: e.where, problems: problems(document, e.schema, e.value) }))
      .filter((e) => e.problems !== null);

    expect(invalid).toEqual([]);
  });
});

it('would name an example that breaks its schema (a timer without schedule_id)', () => {
  const document = buildOpenApiDocument('0.0.0-test');
  const created = (document.paths as Json)['/timers'] as { post: { responses: Record<string, Json> } };
  const example = ((created.post.responses['201'].content as Json)['application/json'] as Json).example as Json;
  const withoutScheduleId = Object.fromEntries(Object.entries(example).filter(([key]) => key !== 'schedule_id'));

  expect(problems(document, { $ref: '#/components/schemas/Timer' }, withoutScheduleId)).toMatch(/schedule_id/);
  expect(problems(document, { $ref: '#/components/schemas/Timer' }, example)).toBeNull();
});
