/**
 * The api's rules about flows: a key that can be one, limits that make sense, and
 * the scope a flow belongs to. A flow is its tenant's: it is set, paused and
 * resumed in the client's tenant (an admin key's own, or the one X-Tenant names),
 * limits only that tenant's timers, and another tenant's flow is not found. An
 * admin key without X-Tenant reads a flow of any tenant (its own tenant's first,
 * else one set for another tenant, else the origin's default from FLOW_DEFAULTS)
 * and lists every tenant's. A delete lets the flow's timers go. No HTTP, no SQL.
 */
import { FLOW_KEY_PATTERN, FlowRecord, ORIGIN_DEFAULTS_TENANT, originOf, OriginBlock, Store } from '@timer/shared';
import { AppError } from '../errors';
import { Flow, FlowList, MAX_FLOWS_LISTED, PutFlowRequest } from '../schemas';
import type { Client } from './client';

const KEY = new RegExp(FLOW_KEY_PATTERN);

type FlowClient = Pick<Client, 'tenant' | 'sees'>;

/** The tenant a client's flows are set in: the one place the scope of a flow is decided. */
export function flowScopeOf(client: Pick<Client, 'tenant'>): string {
  return client.tenant;
}

export class FlowService {
  constructor(private readonly store: Store) {}

  async put(key: string, request: PutFlowRequest, client: FlowClient): Promise<Flow> {
    checkKey(key);
    if (request.burst !== undefined && request.rate === undefined) {
      throw new AppError('validation_failed', 'Invalid request body: burst applies only with rate', [
        { path: 'burst', message: 'burst applies only with rate' },
      ]);
    }
    const limits = {
      parallelism: request.parallelism ?? null,
      rate: request.rate ?? null,
      burst: request.burst ?? null,
    };
    return toFlowView(await this.store.flows.put(flowScopeOf(client), key, limits));
  }

  async get(key: string, client: FlowClient): Promise<Flow> {
    checkKey(key);
    const flow =
      (await this.store.flows.find(flowScopeOf(client), key)) ??
      (client.sees === null
        ? ((await this.store.flows.find(null, key)) ?? (await this.store.flows.find(ORIGIN_DEFAULTS_TENANT, key)))
        : null);
    if (!flow) throw new AppError('flow_not_found');
    // A flow keyed by an origin shows what that receiver said about itself, for everyone.
    const block = originOf(key) === key ? await this.store.flows.originBlock(key) : null;
    return { ...toFlowView(flow), origin: block && toOriginView(block) };
  }

  /** A tenant key: its tenant's flows; an admin key without X-Tenant: every tenant's, with the origin defaults. */
  async list(client: FlowClient): Promise<FlowList> {
    const [flows, blocks] = await Promise.all([
      this.store.flows.findAll(client.sees === null ? null : flowScopeOf(client), MAX_FLOWS_LISTED),
      this.store.flows.blockedOrigins(),
    ]);
    const blockOf = new Map(blocks.map((b) => [b.origin, b]));
    return {
      items: flows.map((flow) => {
        const block = blockOf.get(flow.key);
        return { ...toFlowView(flow), origin: block ? toOriginView(block) : null };
      }),
    };
  }

  async delete(key: string, client: FlowClient): Promise<void> {
    checkKey(key);
    if (!(await this.store.flows.delete(flowScopeOf(client), key))) throw new AppError('flow_not_found');
  }

  async pause(key: string, client: FlowClient): Promise<Flow> {
    checkKey(key);
    const scope = flowScopeOf(client);
    // A tenant pausing an origin under a default keeps the default's limits on its own flow after the resume.
    if (originOf(key) === key && !(await this.store.flows.find(scope, key))) {
      const origin = await this.store.flows.find(ORIGIN_DEFAULTS_TENANT, key);
      if (origin) await this.store.flows.put(scope, key, origin);
    }
    return toFlowView((await this.store.flows.setPaused(scope, key, true))!);
  }

  async resume(key: string, client: FlowClient): Promise<Flow> {
    checkKey(key);
    const flow = await this.store.flows.setPaused(flowScopeOf(client), key, false);
    if (!flow) throw new AppError('flow_not_found');
    return toFlowView(flow);
  }
}

function checkKey(key: string): void {
  if (!KEY.test(key)) {
    const message = 'a flow key is 1–255 printable ASCII characters, no spaces';
    throw new AppError('validation_failed', `Invalid flow key: ${message}`, [{ path: 'key', message }]);
  }
}

function toOriginView(block: OriginBlock): NonNullable<Flow['origin']> {
  return { state: block.probe ? 'probe' : block.reason, until: block.until ? block.until.toISOString() : null };
}

function toFlowView(flow: FlowRecord): Flow {
  const isDefault = flow.tenant === ORIGIN_DEFAULTS_TENANT;
  return {
    key: flow.key,
    tenant: isDefault ? null : flow.tenant,
    default: isDefault,
    parallelism: flow.parallelism,
    rate: flow.rate,
    burst: flow.burst,
    paused: flow.paused,
    waiting: flow.waiting,
    in_flight: flow.inFlight,
    created_at: flow.createdAt.toISOString(),
    updated_at: flow.updatedAt.toISOString(),
    origin: null,
  };
}
