#!/usr/bin/env bash
# Rebuild the vendored front-end files in src/careaudit/static/vendor/.
#
# Needs Node.js and npm (build time only). The output is committed, so running
# the app never needs Node.js. To upgrade, change a version below, run this
# script, and commit the result.
set -euo pipefail

GOVUK_FRONTEND_VERSION="5.14.0" # latest 5.x
HTMX_VERSION="2.0.11"           # latest 2.x
AXE_CORE_VERSION="4.14.1"       # latest 4.x (browser tests only)
SASS_VERSION="1.108.2"          # dart sass, build time only
OPENMOJI_VERSION="17.0.0"       # Easy Read pictures (CC BY-SA 4.0); only the few used
# The OpenMoji pictures beside the Easy Read feedback questions (audits/forms_outcomes.py,
# EASY_READ_PICTURES): people holding hands, ear, telephone receiver, page, thumbs up, bulb.
OPENMOJI_PICTURES="1F9D1-200D-1F91D-200D-1F9D1 1F442 1F4DE 1F4C4 1F44D 1F4A1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor_dir="$repo_root/src/careaudit/static/vendor"

work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT

echo "Installing packages in $work_dir"
cd "$work_dir"
cat >package.json <<'EOF'
{ "name": "careaudit-vendor-build", "private": true }
EOF
npm install --save-exact --no-audit --no-fund --ignore-scripts --loglevel=error \
    "govuk-frontend@$GOVUK_FRONTEND_VERSION" \
    "htmx.org@$HTMX_VERSION" \
    "axe-core@$AXE_CORE_VERSION" \
    "openmoji@$OPENMOJI_VERSION" \
    "sass@$SASS_VERSION"

nm="$work_dir/node_modules"
govuk_dist="$nm/govuk-frontend/dist/govuk"
pkg_version() { node -p "require('$nm/$1/package.json').version"; }

# Build into a staging directory, then swap it in.
out="$work_dir/out"
mkdir -p "$out/govuk-frontend/assets" "$out/htmx" "$out/axe-core" "$out/openmoji"

# --- GOV.UK Frontend: CSS --------------------------------------------------
# No GDS Transport: that typeface is licensed for GOV.UK services only.
cat >"$work_dir/govuk-frontend.scss" <<'EOF'
$govuk-font-family: arial, sans-serif;
$govuk-include-default-font-face: false;
$govuk-assets-path: "/static/vendor/govuk-frontend/assets/";
@import "govuk-frontend/dist/govuk/index";
EOF
"$nm/.bin/sass" \
    --load-path="$nm" \
    --style=compressed \
    --no-source-map \
    --quiet-deps \
    --silence-deprecation=import \
    "$work_dir/govuk-frontend.scss" \
    "$out/govuk-frontend/govuk-frontend.min.css"

css="$out/govuk-frontend/govuk-frontend.min.css"
if grep -q "GDS Transport" "$css" || grep -q "/assets/fonts/" "$css" || grep -q "@font-face" "$css"; then
    echo "error: compiled CSS still references the GDS Transport font" >&2
    exit 1
fi

# --- GOV.UK Frontend: JS (ES module), licence, assets (no fonts) ------------
# Drop the sourceMappingURL comment: the map is not vendored (and Django's
# ManifestStaticFilesStorage fails on references to missing files).
sed -e 's|//# sourceMappingURL=[^ ]*$||' \
    "$govuk_dist/govuk-frontend.min.js" >"$out/govuk-frontend/govuk-frontend.min.js"

# The npm package does not ship its licence file; this is the upstream
# LICENSE.txt from the alphagov/govuk-frontend repository.
cat >"$out/govuk-frontend/LICENSE.txt" <<'EOF'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF

# The crown, crest and GOV.UK icons are only for services on GOV.UK: not copied.
# Care Audit ships its own favicon (static/careaudit/images/favicon.svg).

# --- htmx --------------------------------------------------------------------
cp "$nm/htmx.org/dist/htmx.min.js" "$out/htmx/htmx.min.js"
cp "$nm/htmx.org/LICENSE" "$out/htmx/LICENSE"

# --- axe-core (browser tests only) -------------------------------------------
cp "$nm/axe-core/axe.min.js" "$out/axe-core/axe.min.js"
cp "$nm/axe-core/LICENSE" "$out/axe-core/LICENSE"
if [ -f "$nm/axe-core/LICENSE-3RD-PARTY.txt" ]; then
    cp "$nm/axe-core/LICENSE-3RD-PARTY.txt" "$out/axe-core/LICENSE-3RD-PARTY.txt"
fi

# --- OpenMoji: only the pictures used, with the licence and the attribution ---
for code in $OPENMOJI_PICTURES; do
    cp "$nm/openmoji/color/svg/$code.svg" "$out/openmoji/$code.svg"
done
cp "$nm/openmoji/LICENSE.txt" "$out/openmoji/LICENSE.txt"
cat >"$out/openmoji/README.md" <<EOF
Pictures from OpenMoji $(pkg_version openmoji) (https://openmoji.org/), colour SVGs, unchanged.
All emojis designed by OpenMoji – the open-source emoji and icon project.
License: CC BY-SA 4.0 (LICENSE.txt; https://creativecommons.org/licenses/by-sa/4.0/).
The Easy Read feedback page credits them beside the pictures.
Files (OpenMoji hexcodes): $OPENMOJI_PICTURES
EOF

# --- VERSIONS.txt --------------------------------------------------------------
{
    echo "# Vendored by scripts/vendor-frontend.sh; do not edit by hand."
    echo "govuk-frontend $(pkg_version govuk-frontend)"
    echo "htmx.org $(pkg_version htmx.org)"
    echo "axe-core $(pkg_version axe-core)"
    echo "openmoji $(pkg_version openmoji) (six pictures)"
    echo "sass $(pkg_version sass) (build time only)"
} >"$out/VERSIONS.txt"

# --- Swap in (README.md in the vendor dir is kept) -------------------------
mkdir -p "$vendor_dir"
rm -rf "$vendor_dir/govuk-frontend" "$vendor_dir/htmx" "$vendor_dir/axe-core" "$vendor_dir/openmoji" "$vendor_dir/VERSIONS.txt"
cp -R "$out/." "$vendor_dir/"

echo "Vendored into $vendor_dir:"
cat "$vendor_dir/VERSIONS.txt"
du -sh "$vendor_dir"
