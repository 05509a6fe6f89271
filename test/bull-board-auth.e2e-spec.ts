import { PlannerStack } from './support/planner-stack';

/** Bull Board is Express middleware (no Nest guard): it must honour the planner's token itself. */
describe('Bull Board at /queues and the planner token', () => {
  let stack: PlannerStack;
  afterEach(async () => stack?.stop());

  it('asks for the bearer token when reads are protected', async () => {
    stack = await PlannerStack.start({ planner: { token: 'bb-secret', protectReads: true } });
    expect((await fetch(`${stack.baseUrl}/queues/api/queues`)).status).toBe(401);
    expect((await fetch(`${stack.baseUrl}/queues/api/queues`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${stack.baseUrl}/queues/api/queues`, { headers: { authorization: 'Bearer bb-secret' } });
    expect(ok.status).toBe(200);
    // The dashboard pages go through the planner's guard like every read.
    expect((await fetch(`${stack.baseUrl}/`)).status).toBe(401);
  });

  it('is open but read-only with a token for writes only, and writable without a token', async () => {
    stack = await PlannerStack.start({ planner: { token: 'bb-secret' } });
    const body = (await (await fetch(`${stack.baseUrl}/queues/api/queues`)).json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => q.readOnlyMode)).toEqual([true, true]);
    await stack.stop();
    stack = await PlannerStack.start();
    const open = (await (await fetch(`${stack.baseUrl}/queues/api/queues`)).json()) as { queues: { readOnlyMode: boolean }[] };
    expect(open.queues.map((q) => q.readOnlyMode)).toEqual([false, false]);
    expect((await fetch(`${stack.baseUrl}/`)).status).toBe(200);
  });
});
