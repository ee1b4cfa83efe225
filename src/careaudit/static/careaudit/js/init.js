// Load with <script type="module" src=".../careaudit/js/init.js"></script> at the end of <body>.
import { initAll } from "../../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();
