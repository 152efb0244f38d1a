import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { RunningApi, startApp } from './support';
let t: TestDatabase; let api: RunningApi;
beforeAll(async () => { t = await createTestDatabase('probe'); api = await startApp(t.config, t.store); });
afterAll(async () => { await api.close(); await t.drop(); });
const cases: Array<[string, string, string | null, Buffer | null]> = [
  ['dup', '/timers', 'application/json', Buffer.from('{"url":"ftp://x","url":"https://example.com"}')],
  ['utf8 in url', '/timers', 'application/json', Buffer.concat([Buffer.from('{"url":"https://example.com/'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])],
  ['utf8 outside', '/timers', 'application/json', Buffer.concat([Buffer.from('{"url":"https://example.com/"'), Buffer.from([0xff]), Buffer.from('}')])],
  ['newline in url', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'https://exa\nmple.com/'}))],
  ['tab in url', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'https://example.com/a\tb'}))],
  ['trailing space', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'https://example.com/ '}))],
  ['idn', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'https://exämple.com/'}))],
  ['port', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'https://example.com:99999/'}))],
  ['http:/', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'http:/example.com'}))],
  ['http://', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'http://'}))],
  ['http:///x', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'http:///x'}))],
  ['backslash', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'http:\\\\example.com'}))],
  ['proto', '/timers', 'application/json', Buffer.from('{"__proto__":{"url":"https://example.com"}}')],
  ['proto2', '/timers', 'application/json', Buffer.from('{"url":"https://example.com","__proto__":{}}')],
  ['ctor', '/timers', 'application/json', Buffer.from('{"url":"https://example.com","constructor":{"prototype":{}}}')],
  ['gzip garbage', '/timers', 'application/json', Buffer.from('{"url":"https://example.com"}')],
  ['empty', '/timers', 'application/json', Buffer.alloc(0)],
  ['ws', '/timers', 'application/json', Buffer.from('   ')],
  ['utf16', '/timers', 'application/json; charset=utf-16le', Buffer.from('{"url":"https://example.com"}', 'utf16le')],
  ['none', '/timers', null, Buffer.from('{"url":"https://example.com"}')],
  ['nobody', '/timers', 'application/json', null],
  ['bom', '/timers', 'application/json', Buffer.from('\uFEFF{"url":"https://example.com"}')],
  ['user', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'https://u:p@example.com/'}))],
  ['nul', '/timers', 'application/json', Buffer.from(JSON.stringify({url: 'https://example.com/\u0000'}))],
  ['huge', '/timers', 'application/json', Buffer.from('{"url":"https://example.com","hours":1e300}')],
  ['huge2', '/timers', 'application/json', Buffer.from('{"url":"https://example.com","hours":1e400}')],
  ['deep', '/timers', 'application/json', Buffer.from('['.repeat(7000) + ']'.repeat(7000))],
  ['deep2', '/timers', 'application/json', Buffer.from('{"url":"https://example.com","seconds":' + '{"a":'.repeat(2000) + '1' + '}'.repeat(2000) + '}')],
];
it.each(cases)('%s', async (name, path, ct, body) => {
  let r = api.http().post(path);
  if (ct) r = r.set('Content-Type', ct);
  if (name === 'gzip garbage') r = r.set('Content-Encoding', 'gzip');
  const res = body ? await r.send(body) : await r;
  console.log(name, res.status, JSON.stringify(res.body), res.headers['content-type']);
});
it.each(['/timers/%E0%A4%A', '/timers/%', '/timers/%00', '/timers/' + 'a'.repeat(4000), '/timers/%2e%2e', "/timers/'%20OR%201=1--", '/timers/%E0%A4%A/x', '/%E0%A4%A', '/timers?limit=%E0%A4%A', '/timers?status[]=pending', '/timers?status=pending&status=fired', '/timers?__proto__=x', '/timers/__proto__'])('GET %s', async (p) => {
  const res = await api.http().get(p);
  const res2 = await api.http().delete(p);
  console.log(p.slice(0, 40), res.status, JSON.stringify(res.body), res2.status, JSON.stringify(res2.body));
});
it('count', async () => { const [r] = await t.db.raw('select url from timers'); console.log(JSON.stringify(r)); });
