/** The name of the TokenBucket Durable Object pacing one instance's calls to one provider. */
export function bucketName(instanceId: string, provider: string): string {
  return `instance:${instanceId}:provider:${provider}`;
}
