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
const strictAjv = addFormats(new Ajv({ allErrors: true, strict: false }));
const queryAjv = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true }));

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
    const details = (fn.errors ?? []).map(describe);
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
