#!/usr/bin/env bash
# Builds a terraform-provider-aws binary from the Go module proxy, for `terraform validate` of
# infra/terraform on machines that cannot reach registry.terraform.io. test/deploy/terraform.test.ts
# picks it up from .cache/tfprov/bin through a dev_overrides CLI config.
#
# Only the service packages infra/terraform uses are registered and compiled (their resource
# schemas are the provider's own, unchanged); a full build takes over an hour on two cores.
#
#   scripts/terraform-provider-build.sh            # Go >= the provider's go directive; ~15-30 min
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/.cache/tfprov
# The provider's module path has no /vN suffix, so the proxy only serves pseudo-versions of it.
# This one is main at 2026-06-02 (CHANGELOG: 6.48.0 unreleased), matching versions.tf's "~> 6.0".
VERSION=${TF_AWS_PROVIDER_PSEUDO_VERSION:-v1.60.1-0.20260602190131-5f2286d6d836}
KEEP=${TF_AWS_PROVIDER_SERVICES:-cloudwatch dynamodb ec2 ecs glue iam kinesis logs meta s3 sts}

export GOPATH=$OUT/gopath GOCACHE=$OUT/gocache GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$OUT/tmpmod" "$OUT/bin"
cd "$OUT/tmpmod"
[ -f go.mod ] || go mod init tmpmod >/dev/null 2>&1
DIR=$(go mod download -json "github.com/hashicorp/terraform-provider-aws@$VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
rm -rf "$OUT/src"
cp -r "$DIR" "$OUT/src"
chmod -R u+w "$OUT/src"
cd "$OUT/src"

KEEP="$KEEP" python3 - <<'PY'
import glob, os, re

keep = set(os.environ["KEEP"].split())
p = "internal/provider/sdkv2/service_packages_gen.go"
out = []
for line in open(p).read().split("\n"):
    m = re.match(r'\t"github.com/hashicorp/terraform-provider-aws/internal/service/(\w+)"$', line)
    if m and m.group(1) not in keep:
        continue
    m = re.match(r"\t\t(\w+)\.ServicePackage\(ctx\),$", line)
    if m and m.group(1) not in keep:
        continue
    out.append(line)
open(p, "w").write("\n".join(out))

# The AWS SDK clients the kept packages and every internal package they reach use (conns itself
# without awsclient_gen.go, the file being trimmed).
def imports(pkg):
    found = set()
    for f in glob.glob(pkg + "/*.go"):
        if f.endswith("_test.go") or f.endswith("/awsclient_gen.go"):
            continue
        text = open(f).read()
        found |= set(re.findall(r'"github\.com/hashicorp/terraform-provider-aws/(internal/[\w/]+)"', text))
        found |= {"sdk:" + m for m in re.findall(r'"github\.com/aws/aws-sdk-go-v2/service/(\w+)', text)}
    return found


seen, todo, sdk = set(), ["internal/service/" + k for k in keep], set()
while todo:
    pkg = todo.pop()
    if pkg in seen:
        continue
    seen.add(pkg)
    for i in imports(pkg):
        if i.startswith("sdk:"):
            sdk.add(i[4:])
        else:
            todo.append(i)

p = "internal/conns/awsclient_gen.go"
text = open(p).read()
text = re.sub(
    r"func \(c \*AWSClient\) \w+\(ctx context\.Context\) \*(\w+)\.Client \{\n.*?\n\}\n\n?",
    lambda m: m.group(0) if m.group(1) in sdk else "",
    text,
    flags=re.S,
)
lines = []
for line in text.split("\n"):
    m = re.match(r'\t(?:\w+ )?"github\.com/aws/aws-sdk-go-v2/service/(\w+)"$', line)
    if m and m.group(1) not in sdk:
        continue
    lines.append(line)
open(p, "w").write("\n".join(lines))
print("registered services:", " ".join(sorted(keep)), "| SDK clients:", len(sdk))
PY

nice -n 10 go build -trimpath -ldflags="-s -w" -o "$OUT/bin/terraform-provider-aws.tmp" .
mv "$OUT/bin/terraform-provider-aws.tmp" "$OUT/bin/terraform-provider-aws"
echo "built $OUT/bin/terraform-provider-aws"
