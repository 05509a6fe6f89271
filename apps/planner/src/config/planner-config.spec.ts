import { plannerSettingError, validatePlannerEnv } from './planner-config';

describe('planner configuration', () => {
  it('fills defaults: loopback host, port 3000, no token', () => {
    const env = validatePlannerEnv({});
    expect(env).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379', PORT: 3000, HOST: '127.0.0.1' });
    expect(env.LAWSWEEP_TOKEN).toBeUndefined();
  });

  it("keeps an ended sweep's metrics for 24 hours unless told otherwise (fractions allowed)", () => {
    expect(validatePlannerEnv({}).LAWSWEEP_METRICS_ENDED_SWEEP_HOURS).toBe(24);
    expect(validatePlannerEnv({ LAWSWEEP_METRICS_ENDED_SWEEP_HOURS: '0.5' }).LAWSWEEP_METRICS_ENDED_SWEEP_HOURS).toBe(0.5);
  });

  it('treats an empty token as no token', () => {
    expect(validatePlannerEnv({ LAWSWEEP_TOKEN: '' }).LAWSWEEP_TOKEN).toBeUndefined();
  });

  it('checks one setting for a flag that sets it, with the same rule as the environment', () => {
    expect(plannerSettingError('LAWSWEEP_TOKEN', 'short')).toBe('must be at least 8 characters (or unset to disable auth)');
    expect(plannerSettingError('LAWSWEEP_TOKEN', 'long-random-secret')).toBeUndefined();
    expect(plannerSettingError('LAWSWEEP_TOKEN', '')).toBeUndefined();
    expect(plannerSettingError('PORT', '70000')).toBe('must be a port number from 0 to 65535');
    expect(plannerSettingError('REDIS_URL', 'localhost:6379')).toMatch(/^must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(plannerSettingError('HOST', '0.0.0.0')).toBeUndefined();
  });

  it.each(['change-me', 'CHANGE-ME', 'changeme'])('refuses the placeholder token %s, naming LAWSWEEP_TOKEN and how to make one', (token) => {
    expect(() => validatePlannerEnv({ LAWSWEEP_TOKEN: token })).toThrow(
      /^invalid planner configuration:\n {2}LAWSWEEP_TOKEN: is the example files' placeholder, which everyone knows: set a token of your own \(make one with `openssl rand -hex 32`\) \(got \d+ characters\)$/,
    );
    expect(plannerSettingError('LAWSWEEP_TOKEN', token)).toMatch(/placeholder/);
    expect(validatePlannerEnv({ LAWSWEEP_TOKEN: 'change-me-please-4f1c' }).LAWSWEEP_TOKEN).toBe('change-me-please-4f1c');
  });

  it('refuses a REDIS_URL with the placeholder password, without printing a real one', () => {
    expect(() => validatePlannerEnv({ REDIS_URL: 'redis://:change-me@redis:6379' })).toThrow(
      /REDIS_URL: carries a placeholder password that everyone knows: give Redis a password of its own \(make one with `openssl rand -hex 32`\) and put it in REDIS_URL \(got "redis:\/\/:\*\*\*@redis:6379"\)$/,
    );
    expect(validatePlannerEnv({ REDIS_URL: 'redis://:0f3a9c1d@redis:6379' }).REDIS_URL).toBe('redis://:0f3a9c1d@redis:6379');
    // A bad URL's password is not printed either.
    expect(() => validatePlannerEnv({ REDIS_URL: 'redis://:s3cret-pw@redis:6379 x' })).toThrow(/got "redis:\/\/:\*\*\*@redis:6379 x"/);
  });

  it.each([
    ['REDIS_URL', 'localhost:6379', /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL.*got "localhost:6379"/],
    ['PORT', 'eighty', /PORT: must be a port number/],
    ['PORT', '70000', /PORT: must be a port number from 0 to 65535 \(got "70000"\)/],
    ['LAWSWEEP_TOKEN', 'abc', /LAWSWEEP_TOKEN: must be at least 8 characters \(or unset to disable auth\) \(got 3 characters\)$/],
    ['LAWSWEEP_BODY_LIMIT', 'lots', /LAWSWEEP_BODY_LIMIT/],
    ['LAWSWEEP_METRICS_ENDED_SWEEP_HOURS', '-1', /LAWSWEEP_METRICS_ENDED_SWEEP_HOURS: must be 0 or more/],
    ['LAWSWEEP_METRICS_ENDED_SWEEP_HOURS', 'a day', /LAWSWEEP_METRICS_ENDED_SWEEP_HOURS: must be a number of hours/],
    ['LAWSWEEP_NOTIFY_URL', 'hooks.slack.com/services/T0/B0/secret', /LAWSWEEP_NOTIFY_URL: must be an http:\/\/ or https:\/\/ URL without user:password, e\.g\. https:\/\/hooks\.slack\.com\/services\/\.\.\. \(got 37 characters\)$/],
    // fetch refuses these on every POST (and would put the whole URL in its error): refused at boot instead.
    ['LAWSWEEP_NOTIFY_URL', 'https://user:s3cret@hooks.example.com/x', /LAWSWEEP_NOTIFY_URL: must be an http:\/\/ or https:\/\/ URL without user:password.*\(got 39 characters\)$/],
    ['LAWSWEEP_NOTIFY_URL', 'http://[bad/T0/secret', /LAWSWEEP_NOTIFY_URL: must be/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => validatePlannerEnv({ [name]: value })).toThrow(message);
  });
});
