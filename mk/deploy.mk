# Deployment, container image and local Lambda targets; the main Makefile includes this file
# and defines BUN (the pinned Bun) and STAGE (default dev).

SST := node_modules/.bin/sst
IMAGE ?= tocos-service
IMAGE_TAG ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo local)
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64
# Where `make image` puts the image index: an OCI archive in dist/, or IMAGE_OUTPUT=type=registry
# with IMAGE=<registry>/<repo> to push it. Without an output buildx keeps it only in its cache.
IMAGE_OUTPUT ?= type=oci,dest=dist/$(notdir $(IMAGE))-$(IMAGE_TAG).oci.tar
# The docker-container builder `make image` creates when the engine's own builder cannot build
# multi-platform (the docker driver on the classic image store).
IMAGE_BUILDER ?= tocos-service-builder
LOCAL_IMAGE ?= tocos-service:lambda-local
LAMBDA_PORT ?= 9000
RIE_DIR ?= $(HOME)/.aws-lambda-rie
# The emulator's README saves both architectures' downloads under this one name.
RIE_BIN ?= aws-lambda-rie
EVENT ?= events/time.json
# Optional: serve the stage at https://$(DOMAIN), in a Route 53 zone found by name or given here.
DOMAIN ?=
HOSTED_ZONE_ID ?=

# Guards: each stops its target with a message that names the missing tool.
REQUIRE_DOCKER = command -v docker >/dev/null 2>&1 || { echo "make $@: docker is not installed: install Docker Engine or Docker Desktop" >&2; exit 1; }; \
	docker info >/dev/null 2>&1 || { echo "make $@: the Docker engine is not reachable: start it (docker info must succeed)" >&2; exit 1; }
REQUIRE_BUILDX = docker buildx version >/dev/null 2>&1 || { echo "make $@: docker buildx is missing: install the buildx plugin (docker-buildx-plugin)" >&2; exit 1; }
REQUIRE_AWS = if command -v aws >/dev/null 2>&1; then \
	  aws sts get-caller-identity >/dev/null 2>&1 || { echo "make $@: no working AWS credentials: 'aws sts get-caller-identity' failed; log in (aws sso login / aws configure) or export AWS_PROFILE" >&2; exit 1; }; \
	elif [ -z "$${AWS_ACCESS_KEY_ID:-}$${AWS_PROFILE:-}$${AWS_WEB_IDENTITY_TOKEN_FILE:-}$${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ]; then \
	  echo "make $@: no AWS credentials: export AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" >&2; exit 1; \
	fi
REQUIRE_CURL = command -v curl >/dev/null 2>&1 || { echo "make $@: curl is not installed" >&2; exit 1; }

.PHONY: build
build: install ## Deploy STAGE to AWS (sst deploy); DOMAIN=api.example.com adds a custom domain
	@if [ -n "$(DOMAIN)" ]; then $(BUN) scripts/check-domain.ts "$(DOMAIN)"; fi
	@$(REQUIRE_DOCKER)
	@$(REQUIRE_BUILDX)
	@$(REQUIRE_AWS)
	DOMAIN="$(DOMAIN)" HOSTED_ZONE_ID="$(HOSTED_ZONE_ID)" $(SST) deploy --stage $(STAGE)

.PHONY: get
get: install ## Call the deployed STAGE: /time, /tocos, /tocos/Cem, a factorial and /api/smart
	$(BUN) scripts/get.ts --stage $(STAGE) --outputs .sst/outputs.json

.PHONY: destroy
destroy: install ## Remove STAGE and everything in it, images included (sst remove)
	@$(REQUIRE_AWS)
	$(SST) remove --stage $(STAGE)

.PHONY: image
image: ## Build the linux/amd64 and linux/arm64 image index into dist/ (OCI archive), or push it
	@$(REQUIRE_DOCKER)
	@$(REQUIRE_BUILDX)
	@test -n "$(strip $(IMAGE_OUTPUT))" || { echo "make $@: IMAGE_OUTPUT is empty, so buildx would keep the image only in its build cache: leave it unset for an OCI archive in dist/, or set IMAGE_OUTPUT=type=registry" >&2; exit 1; }
	@mkdir -p dist
	builder="$$(mk/multiplatform-builder.sh $(IMAGE_BUILDER))" && \
	  docker buildx build --builder "$$builder" --platform $(IMAGE_PLATFORMS) -f Containerfile -t $(IMAGE):$(IMAGE_TAG) --output "$(IMAGE_OUTPUT)" .

.PHONY: local-lambda
local-lambda: ## Run the native-arch image under the Lambda Runtime Interface Emulator on :9000
	@$(REQUIRE_DOCKER)
	@$(REQUIRE_BUILDX)
	@test -x "$(RIE_DIR)/$(RIE_BIN)" || { echo "make $@: $(RIE_DIR)/$(RIE_BIN) not found: download it from the aws-lambda-runtime-interface-emulator releases (see docs/deployment.md)" >&2; exit 1; }
	docker buildx build --load --provenance=false -f Containerfile -t $(LOCAL_IMAGE) .
	docker run --rm -p $(LAMBDA_PORT):8080 -v "$(RIE_DIR)":/aws-lambda:ro --entrypoint /aws-lambda/$(RIE_BIN) $(LOCAL_IMAGE) /app/server

.PHONY: invoke
invoke: ## POST an API Gateway event to the local emulator: make invoke EVENT=events/<name>.json
	@$(REQUIRE_CURL)
	@test -f "$(EVENT)" || { echo "make $@: no event file $(EVENT); choose one of: $(filter-out events/expected.json,$(wildcard events/*.json))" >&2; exit 1; }
	curl -sS --fail-with-body -X POST "http://localhost:$(LAMBDA_PORT)/2015-03-31/functions/function/invocations" -H 'content-type: application/json' --data-binary @$(EVENT) \
	  || { echo "make $@: no answer on :$(LAMBDA_PORT); is 'make local-lambda' running?" >&2; exit 1; }
	@echo

.PHONY: stats
stats: install ## CloudWatch report for the deployed stage: requests, latency, errors, upstream health
	@$(REQUIRE_AWS)
	$(BUN) run stats --stage $(STAGE)
