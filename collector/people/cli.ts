// `patron people ...`: a person's requests against a running collector (its models hold them too, so the
// collector does the work): export, delete (and wait for the verification), the status of deletions, suppress and
// unsuppress.

import fs from 'node:fs';
import { parseArgs } from 'node:util';

export const PEOPLE_USAGE = `  people export ID [--out F] [--events]  everything held about a person (JSON), or their events (NDJSON)
  people delete ID... [--wait]          delete people across their linked ids; --wait for the verification
  people status [REQUEST]               deletion requests (or one) and their status
  people suppress|unsuppress ID...      drop (or accept again) people's further events at ingest
                                        (people commands take --url U and --admin-key K, or PATRON_URL and
                                        PATRON_ADMIN_KEY, and talk to the running collector)
`;

export class PeopleUsageError extends Error {
  override name = 'UsageError';
}

/** The collector a command talks to and the admin key it presents. */
export function collectorTarget(values: { url?: string; 'admin-key'?: string }, command: string): { url: string; key: string } {
  const url = (values.url ?? process.env.PATRON_URL ?? `http://localhost:${process.env.PATRON_PORT ?? 3000}`).replace(/\/+$/, '');
  const key = values['admin-key'] ?? process.env.PATRON_ADMIN_KEY;
  if (!key) throw new PeopleUsageError(`patron ${command} needs --admin-key (or PATRON_ADMIN_KEY)`);
  return { url, key };
}

export async function people(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { url: { type: 'string' }, 'admin-key': { type: 'string' }, out: { type: 'string' }, events: { type: 'boolean' }, wait: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const { url, key } = collectorTarget(values, `people ${action ?? ''}`.trim());
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new PeopleUsageError(`the collector at ${url} answered ${res.status}: ${text}`);
    return text;
  };
  const write = (text: string) => (values.out ? fs.writeFileSync(values.out, text) : out.write(text.endsWith('\n') ? text : `${text}\n`));
  const needIds = () => {
    if (positionals.length === 0) throw new PeopleUsageError(`patron people ${action} needs at least one id`);
    return positionals;
  };
  switch (action) {
    case 'export':
      write(await call('GET', `/v1/people/${encodeURIComponent(needIds()[0])}${values.events ? '/events' : ''}`));
      return 0;
    case 'delete': {
      const asked = JSON.parse(await call('POST', '/v1/people/delete', { ids: needIds() })) as { deletions: { id: string; status: string }[] };
      const done = values.wait ? await Promise.all(asked.deletions.map((d) => verified(d.id, call))) : asked.deletions;
      write(JSON.stringify({ deletions: done }, null, 2));
      return done.every((d) => !values.wait || d.status === 'verified') ? 0 : 1;
    }
    case 'status':
      write(await call('GET', positionals[0] ? `/v1/deletions/${encodeURIComponent(positionals[0])}` : '/v1/deletions'));
      return 0;
    case 'suppress':
    case 'unsuppress':
      write(await call('POST', `/v1/people/${action}`, { ids: needIds() }));
      return 0;
    default:
      throw new PeopleUsageError(`unknown people command ${action ?? ''}\n\n${PEOPLE_USAGE}`);
  }
}

/** A deletion once verified, or as it stands when its verification gave up (it says where an id was still found). */
async function verified(id: string, call: (method: string, path: string) => Promise<string>): Promise<{ id: string; status: string; foundIn?: string[] }> {
  for (let attempt = 0; ; attempt++) {
    const record = JSON.parse(await call('GET', `/v1/deletions/${id}`)) as { id: string; status: string; foundIn: string[] };
    if (record.status === 'verified' || (record.status === 'done' && attempt > 600)) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
