/// <reference path="./.sst/platform/config.d.ts" />

// Kept thin on purpose: the resources are typed functions in infra/, checked by `make lint` and
// unit-tested with Pulumi's mocks. SST's `Function` builds container images only for Python, so
// the stack is plain Pulumi resources inside `run()`. Provider versions match package.json.
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "tocos-service",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
      providers: {
        aws: { version: "7.48.0" },
        "docker-build": { version: "0.0.22" },
      },
    };
  },
  async run() {
    const { currentRevision, deploy, resolveCustomDomain } = await import("./infra");
    // First, before any resource: a bad DOMAIN or a zone that does not hold it stops here.
    const domain = await resolveCustomDomain(process.env);
    const apiToken = new sst.Secret("ApiToken");
    const { outputs } = deploy($app.stage, {
      rootDir: $cli.paths.root,
      revision: currentRevision($cli.paths.root),
      apiToken: apiToken.value,
      domain,
    });
    return outputs;
  },
});
