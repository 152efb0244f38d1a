/**
 * Request validation with Ajv against the schemas in schemas.ts. All problems are
 * reported at once, as `validation_failed` with one detail per problem.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema, Static } from '@sinclair/typebox';
import { AppError } from '../errors';

// Bodies are taken exactly as sent: a "5" is not 5. Query strings are text by
// nature, so their validator coerces "20" to 20.
// verbose: errors carry their schema, so a choice among values can name them.
const strictAjv = addFormats(new Ajv({ allErrors: true, strict: false, verbose: true }));
const queryAjv = addFormats(
  new Ajv({ allErrors: true, strict: false, verbose: true, coerceTypes: true, useDefaults: true }),
);

/** The values a schema offers when it is a choice among constants (an enum, or anyOf of consts); else null. */
function choices(error: ErrorObject): unknown[] | null {
  if (error.keyword === 'enum') return (error.params as { allowedValues: unknown[] }).allowedValues;
  if (error.keyword !== 'anyOf' || !Array.isArray(error.schema)) return null;
  const options = error.schema as Array<{ const?: unknown }>;
  return options.every((o) => 'const' in o) ? options.map((o) => o.const) : null;
}

/** One problem per wrong value: a choice among constants is one "must be one of" line, not one per constant. */
function describeAll(errors: ErrorObject[]): { path: string; message: string }[] {
  return errors
    .filter((e) => !(e.keyword === 'const' && /\/anyOf\/\d+\/const$/.test(e.schemaPath)))
    .map((e) => {
      const values = choices(e);
      if (!values) return describe(e);
      const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body';
      return { path, message: `${path} must be one of: ${values.map((v) => String(v)).join(', ')}` };
    });
}

function describe(error: ErrorObject): { path: string; message: string } {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body';
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return { path: extra, message: `${extra} is not a known field` };
  }
  if (error.keyword === 'pattern' && path === 'url') {
    return { path, message: 'url must be an absolute http or https URL' };
  }
  return { path, message: `${path} ${error.message ?? 'is invalid'}` };
}

export type Validator<T> = (value: unknown) => T;

function build<S extends TSchema>(fn: ValidateFunction, what: string): Validator<Static<S>> {
  return (value: unknown) => {
    if (fn(value)) return value as Static<S>;
    const details = describeAll(fn.errors ?? []);
    // anyOf/union errors repeat themselves; one line per distinct message is enough.
    const unique = details.filter((d, i) => details.findIndex((o) => o.message === d.message) === i);
    throw new AppError('validation_failed', `Invalid ${what}: ${unique.map((d) => d.message).join('; ')}`, unique);
  };
}

export function bodyValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  return build<S>(strictAjv.compile(schema), 'request body');
}

export function queryValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  return build<S>(queryAjv.compile(schema), 'query');
}
