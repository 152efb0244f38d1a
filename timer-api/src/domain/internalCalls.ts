/** The api's calls to the controllers carry INTERNAL_TOKEN, when there is one. */
export function internalHeaders(token: string | null): Record<string, string> {
  return token === null ? {} : { authorization: `Bearer ${token}` };
}
