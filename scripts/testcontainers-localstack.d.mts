export declare const EXIT_PASSED: 0;
export declare const EXIT_FAILED: 1;
export declare const EXIT_NO_DOCKER: 3;
export declare const EXIT_NO_TESTCONTAINERS: 4;
/** The LocalStack image docker-compose.localstack.yml pins. */
export declare function localstackImage(): Promise<string>;
/** Where a Docker engine could be ($DOCKER_HOST alone when set). */
export declare function dockerCandidates(env?: Readonly<Record<string, string | undefined>>): string[];
/** The first candidate whose engine answers GET /_ping, else undefined. */
export declare function findDockerEngine(
  env?: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined>;
/** The produce → consume → check pipeline against one endpoint serving Kinesis and S3. */
export declare function runPipeline(
  endpoint: string,
  options?: { produceConcurrency?: number },
): Promise<boolean>;
