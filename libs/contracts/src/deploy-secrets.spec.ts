import { isPlaceholderSecret, redactRedisUrl, redisUrlPassword, secretLikeEnvKeys, secretLikeEnvText } from './deploy-secrets';

describe('deploy secrets', () => {
  it('knows the placeholders of example files, whatever their case, and nothing longer', () => {
    for (const p of ['change-me', 'CHANGE-ME', ' changeme ', 'replace_me']) expect(isPlaceholderSecret(p)).toBe(true);
    for (const p of ['change-me-7f3a', '0f3a9c1d', '']) expect(isPlaceholderSecret(p)).toBe(false);
  });

  it('reads and hides the password of a redis URL', () => {
    expect(redisUrlPassword('redis://:p%40ss@redis:6379')).toBe('p@ss');
    expect(redisUrlPassword('redis://:@redis:6379')).toBeUndefined();
    expect(redisUrlPassword('redis://redis:6379')).toBeUndefined();
    expect(redisUrlPassword('not a url')).toBeUndefined();
    expect(redactRedisUrl('redis://:s3cret@redis:6379/0')).toBe('redis://:***@redis:6379/0');
    expect(redactRedisUrl('rediss://user:s3cret@redis')).toBe('rediss://user:***@redis');
    expect(redactRedisUrl('redis://redis:6379')).toBe('redis://redis:6379');
  });
});

describe('secretLikeEnvKeys', () => {
  it('names the env keys of a command trainer that look like secrets, and only those', () => {
    const env = { WANDB_API_KEY: 'abc', HF_TOKEN: 'hf_x', AWS_SECRET_ACCESS_KEY: 's', DB_PASSWORD: 'p', OUT: '{runDir}/out', TOKENIZER: 'gpt2', NUM_TOKENS: '1e9', KEYBOARD: 'us' };
    expect(secretLikeEnvKeys({ type: 'command', env })).toEqual(['WANDB_API_KEY', 'HF_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD']);
  });

  it('leaves out empty values, placeholders and trainers without env', () => {
    expect(secretLikeEnvKeys({ type: 'command', env: { HF_TOKEN: '', RUN_TOKEN: '{runId}' } })).toEqual([]);
    expect(secretLikeEnvKeys({ type: 'command' })).toEqual([]);
    expect(secretLikeEnvKeys({ type: 'simulate' })).toEqual([]);
  });

  it('says where the secret is readable and where it belongs', () => {
    expect(secretLikeEnvText(['HF_TOKEN'])).toMatch(/^trainer\.env\.HF_TOKEN looks like a secret: .*workers' environment instead/);
    expect(secretLikeEnvText(['A_TOKEN', 'B_API_KEY'])).toMatch(/^trainer\.env\.A_TOKEN, trainer\.env\.B_API_KEY look like secrets: /);
  });
});
