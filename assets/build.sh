#!/bin/sh
# Rebuild Placefund's front-end assets into ../static/.
# Needs Node.js and npm (npm registry only) and python3 (standard library only).
set -eu

cd "$(dirname "$0")"

if [ -f package-lock.json ]; then
  npm ci --omit=optional --no-audit --no-fund
else
  npm install --omit=optional --no-audit --no-fund
fi

mkdir -p ../static/css ../static/js ../static/images

npx --no-install sass \
  --no-source-map \
  --style=compressed \
  --load-path=node_modules \
  scss/placefund.scss ../static/css/placefund.css

# GOV.UK Frontend's footer Sass carries a `.govuk-footer__crown` spacing
# rule; Placefund never uses it, so drop it to keep the stylesheet crown-free.
node -e '
const fs = require("fs");
const path = "../static/css/placefund.css";
let css = fs.readFileSync(path, "utf8");
css = css.replace(/\.govuk-footer__crown\{[^}]*\}/g, "");
fs.writeFileSync(path, css);
'

cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js ../static/js/govuk-frontend.min.js

python3 icons/make_icons.py ../static/images

# The built stylesheet must not embed or name the GDS Transport font, nor
# point at the crown or crest.
if grep -q -i -e 'GDS Transport' -e '@font-face' -e 'crown' -e 'govuk-crest' ../static/css/placefund.css; then
  echo "build.sh: placefund.css refers to GOV.UK-only assets" >&2
  exit 1
fi

ls -l ../static/css/placefund.css ../static/js/govuk-frontend.min.js ../static/images
