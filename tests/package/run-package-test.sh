#!/usr/bin/env bash
# Packaging test: the NuGet packages as a user gets them, from a local folder.
#   1. pack     `dotnet pack` of the solution into the folder (default artifacts/packages): the library package
#               RhmLab and the .NET tool package RhmLab.Cli (command `rhmlab`), and nothing else.
#   2. tool     `dotnet tool install --tool-path <fresh folder> --add-source <folder> RhmLab.Cli --version <v>`, then
#               one short training run through the installed `rhmlab`, once as configured and once with the managed
#               matrix-product provider (the fallback where OpenBLAS is missing); its JSON must carry a test_error.
#   3. library  a fresh console project in a temporary folder references RhmLab <v> from the folder (its nuget.config:
#               the repository's sources plus the folder, so that the library's own dependencies restore); it is
#               restored, built and run: one tiny training run through the library API.
# Options: --out DIR (the package folder); --no-build (pack what the last Release build made: CI packs right after
# ./test built the solution in Release). Ends with one line: "package test: PASSED (...)", or
# "package test: FAILED at step <step>: <reason>" (exit 1) after the tail of that step's output.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/artifacts/packages"
no_build=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || { echo "run-package-test.sh: --out needs a folder" >&2; exit 2; }; out="$2"; shift 2 ;;
    --no-build) no_build=(--no-build); shift ;;
    *) echo "run-package-test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
work="$(mktemp -d "${TMPDIR:-/tmp}/rhmlab-package-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log="$work/step.log"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)
step="setup"
begin() { step="$1"; : >"$log"; echo "package test: $step"; }
fail() {
  [ -s "$log" ] && tail -n 40 "$log" | sed 's/^/  | /'
  echo "package test: FAILED at step $step: $*"
  exit 1
}
# Runs one command of the current step, its output kept in $log and shown only when it fails.
run() { "$@" >"$log" 2>&1 || fail "\`$*\` exited $?"; }
# json_field FILE KEY: the value of a top-level key of the JSON object in FILE, or nothing.
json_field() {
  if command -v jq >/dev/null; then jq -r --arg k "$2" 'if has($k) then .[$k] | tostring else empty end' "$1" 2>/dev/null
  else python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); k=sys.argv[2]; print(d[k]) if k in d else None' "$1" "$2" 2>/dev/null
  fi
}
is_number() { [[ "$1" =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; }
sha512_base64() {
  if command -v openssl >/dev/null; then openssl dgst -sha512 -binary "$1" | base64 -w0
  else python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode(), end="")' "$1"
  fi
}

# 1. pack
begin pack
ts=$(now)
mkdir -p "$out" && out="$(cd "$out" && pwd)" || fail "cannot create $out"
rm -f "$out"/*.nupkg
run dotnet pack "$repo/RhmLab.sln" -c Release -o "$out" --nologo "${no_build[@]}"
shopt -s nullglob
tool_pkgs=("$out"/RhmLab.Cli.[0-9]*.nupkg)
lib_pkgs=("$out"/RhmLab.[0-9]*.nupkg)
all_pkgs=("$out"/*.nupkg)
shopt -u nullglob
[ ${#tool_pkgs[@]} = 1 ] || fail "expected one RhmLab.Cli package in $out, found ${#tool_pkgs[@]}"
[ ${#lib_pkgs[@]} = 1 ] || fail "expected one RhmLab package in $out, found ${#lib_pkgs[@]}"
[ ${#all_pkgs[@]} = 2 ] || fail "expected exactly two packages in $out, found: ${all_pkgs[*]##*/}"
version="$(basename "${tool_pkgs[0]}" .nupkg)"; version="${version#RhmLab.Cli.}"
lib_version="$(basename "${lib_pkgs[0]}" .nupkg)"; lib_version="${lib_version#RhmLab.}"
[ "$version" = "$lib_version" ] || fail "the tool's version $version differs from the library's $lib_version"
t_pack=$(since "$ts")
echo "package test: packed ${all_pkgs[*]##*/} into $out (${t_pack} s)"

# 2. tool
begin "tool install"
ts=$(now)
tools="$work/tools"
run dotnet tool install --tool-path "$tools" --add-source "$out" RhmLab.Cli --version "$version"
[ -x "$tools/rhmlab" ] || fail "no rhmlab command in $tools after the install"
for blas in auto managed; do
  begin "tool run (rhmlab train, RHMLAB_BLAS=$blas)"
  json="$work/train-$blas.json"
  (cd "$work" && RHMLAB_BLAS=$blas "$tools/rhmlab" train --rule bp --nc 3 --m 3 --v 3 --L 2 --train 54 --test 27 \
      --width 16 --epochs 5 --seed 1 --json) >"$json" 2>"$log" || fail "rhmlab train exited $?"
  test_error="$(json_field "$json" test_error)"
  provider="$(json_field "$json" provider)"
  is_number "$test_error" || { head -c 2000 "$json" >>"$log"; fail "its JSON has no numeric test_error (got '$test_error')"; }
  [ "$blas" != managed ] || [ "$provider" = managed ] || fail "RHMLAB_BLAS=managed ran the provider '$provider'"
  echo "package test: rhmlab train: test_error $test_error, provider $provider"
done
t_tool=$(since "$ts")

# 3. library
begin "library restore"
ts=$(now)
app="$work/consumer"
mkdir -p "$app"
if [ -f "$repo/nuget.config" ]; then cp "$repo/nuget.config" "$app/nuget.config"
else printf '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources />\n</configuration>\n' >"$app/nuget.config"
fi
run dotnet nuget add source "$out" --name rhmlab-local --configfile "$app/nuget.config"
cat >"$app/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="RhmLab" Version="$version" />
  </ItemGroup>
</Project>
XML
cat >"$app/Program.cs" <<'CS'
// A program outside the repository that uses the RhmLab package: draw a tiny RHM, then one short BP run.
using RhmLab.Data;
using RhmLab.Experiments;
using RhmLab.Rhm;

var rhm = new RhmParameters(Classes: 3, Synonyms: 3, Vocabulary: 3, TupleSize: 2, Depth: 2);
var grammar = Grammar.Sample(rhm, seed: 1);
var data = DataSplit.Sample(grammar, train: 54, test: 27, new SamplingOptions(SampleSeed: 1, SplitSeed: 1));
Console.WriteLine($"RHM {rhm}: P_max = {rhm.PMax}, {data.Train.Count} training and {data.Test.Count} test data");
var config = new RunConfig
{
    Rule = "bp", Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 54, Test = 27 }, Network = { Width = 16 },
    Training = { Epochs = 5 }, Seeds = { Seed = 1 },
};
var result = RunExecutor.Execute(ResolvedRun.Resolve(config));
Console.WriteLine($"bp: {result.Outcome.Epochs.Count} epochs, test error {result.TestError:0.000}, provider {result.Provider}");
return double.IsFinite(result.TestError) && result.Outcome.Epochs.Count == 5 ? 0 : 1;
CS
# A package of this version restored before (an earlier pack) would be taken from the global packages folder
# unopened, so that version is removed from it first, and the restored package is checked against the packed one.
globals="$(cd "$app" && dotnet nuget locals global-packages --list 2>/dev/null | sed -n 's/^global-packages: *//p')"
globals="${globals:-${NUGET_PACKAGES:-$HOME/.nuget/packages}}"
rm -rf "${globals%/}/rhmlab/$version"
run dotnet restore "$app/Consumer.csproj"
restored="${globals%/}/rhmlab/$version/rhmlab.$version.nupkg.sha512"
[ -f "$restored" ] || fail "RhmLab $version was not restored into $globals"
[ "$(cat "$restored")" = "$(sha512_base64 "${lib_pkgs[0]}")" ] \
  || fail "the restored RhmLab $version is not the package just packed (another source served it?)"
begin "library build"
run dotnet build "$app/Consumer.csproj" -c Release --no-restore --nologo
begin "library run"
run dotnet "$app/bin/Release/net10.0/Consumer.dll"
sed 's/^/package test: /' "$log"
t_lib=$(since "$ts")

echo "package test: PASSED (RhmLab and RhmLab.Cli $version; $(since "$t0") s: pack $t_pack s, tool $t_tool s, library $t_lib s)"
