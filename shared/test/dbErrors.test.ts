/** Which database errors the api answers 503 (and the controller backs off from) rather than 500. */
import { runInNewContext } from 'node:vm';
import { isTransientDbError } from '@timer/shared';

function withCode(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isTransientDbError', () => {
  it.each([
    'ECONNRESET',
    'PROTOCOL_CONNECTION_LOST',
    'PROTOCOL_PACKETS_OUT_OF_ORDER',
    'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  ])('a broken connection (%s) is transient', (code) => {
    expect(isTransientDbError(withCode(code))).toBe(true);
  });

  it("is read from any realm's errors: Node's socket errors are not instances of a sandbox's Error", () => {
    const foreign = runInNewContext(
      "Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' })",
    );
    expect(foreign instanceof Error).toBe(false);
    expect(isTransientDbError(foreign)).toBe(true);
  });

  it('a connection in the closed state is transient, whatever its code', () => {
    expect(isTransientDbError(new Error("Can't add new command when connection is in closed state"))).toBe(true);
  });

  it.each(['ER_PARSE_ERROR', 'ER_DUP_ENTRY', 'ER_BAD_FIELD_ERROR'])('a wrong query (%s) is not', (code) => {
    expect(isTransientDbError(withCode(code))).toBe(false);
  });

  it('nor is a plain bug', () => {
    expect(isTransientDbError(new TypeError('undefined is not a function'))).toBe(false);
    expect(isTransientDbError('not an error')).toBe(false);
  });
});
