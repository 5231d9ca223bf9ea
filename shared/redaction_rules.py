"""Credential formats for `shared/redaction.py`: data only (no engine here).

Source of the formats: the rule set of gitleaks, `config/gitleaks.toml` at v8.30.0-27-gb58d3f10
(https://github.com/gitleaks/gitleaks, MIT). A format is a fact about a vendor's token (its prefix, alphabet and
length); each regex below was transcribed from that file, loosened where we redact rather than report (a minimum
length instead of an exact one, so a vendor lengthening its tokens still gets redacted) and with gitleaks' trailing
delimiter groups dropped. Rules marked `(own)` are not in gitleaks: formats of Airflow/GCP/database tooling we see
in task logs. Keywords are gitleaks' own idea too: lower-case substrings, one of which must occur in a line before
the rule's regex runs on it.

To update: diff a newer gitleaks.toml against the ids listed here; add a shape, a corpus example in
tests/shared/redaction_corpus/secrets.txt, and run tests/shared/test_redaction.py.
"""

from __future__ import annotations

from typing import NamedTuple


class Shape(NamedTuple):
    kind: str  # shown in the mask: [REDACTED:<kind>]
    regex: str  # the whole match is replaced (case-sensitive unless the regex says (?i:...))
    keywords: tuple[str, ...]  # lower-case needles; the line must contain one of them


# Tokens recognisable by their own prefix, wherever they appear. Order matters only for overlapping prefixes.
SHAPES: tuple[Shape, ...] = (
    # --- cloud providers
    Shape(
        "aws-access-key",
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}\b",
        ("akia", "asia", "abia", "acca", "a3t", "agpa", "aida", "aroa", "anpa", "anva", "aipa"),
    ),
    Shape("aws-bedrock-key", r"ABSK[A-Za-z0-9+/]{109,269}={0,2}", ("absk",)),
    Shape("google-api-key", r"AIza[\w-]{35}(?![\w-])", ("aiza",)),
    Shape("google-oauth-token", r"ya29\.[0-9A-Za-z_-]{20,}", ("ya29.",)),  # (own) GCP OAuth access token
    Shape("google-refresh-token", r"1//0[0-9A-Za-z_-]{30,}", ("1//0",)),  # (own)
    Shape("azure-ad-client-secret", r"(?<![\w~.-])[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}(?![\w~.-])", ("q~",)),
    Shape("alibaba-access-key", r"\bLTAI[A-Za-z0-9]{20}\b", ("ltai",)),
    Shape("digitalocean-token", r"\bdo[opr]_v1_[a-f0-9]{64}\b", ("doo_v1_", "dop_v1_", "dor_v1_")),
    Shape("cloudflare-origin-ca-key", r"\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b", ("v1.0-",)),
    Shape("openshift-token", r"\bsha256~[\w-]{43}(?![\w-])", ("sha256~",)),
    Shape(
        "flyio-token",
        r"\b(?:fo1_[\w-]{43}|fm1[ar]_[a-zA-Z0-9+/]{100,}={0,3}|fm2_[a-zA-Z0-9+/]{100,}={0,3})",
        ("fo1_", "fm1", "fm2_"),
    ),
    Shape("heroku-api-key", r"\bHRKU-AA[0-9a-zA-Z_-]{58}", ("hrku-aa",)),
    Shape("scalingo-token", r"\btk-us-[\w-]{48}", ("tk-us-",)),
    # --- source control, CI, registries
    Shape("github-token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    Shape("github-token", r"\bgithub_pat_\w{82,255}", ("github_pat_",)),
    Shape(
        "gitlab-token",
        r"\bgl(?:pat|dt|ffct|ft|rt|soat|cbt|imt|agent|oas|ptt)-[0-9a-zA-Z_-]{20,300}(?:\.[0-9a-z]{9})?\b",
        ("glpat-", "gldt-", "glffct-", "glft-", "glrt-", "glsoat-", "glcbt-", "glimt-", "glagent-", "gloas-", "glptt-"),
    ),
    Shape("gitlab-token", r"\bGR1348941[\w-]{20}", ("gr1348941",)),
    Shape("gitlab-session", r"(?<=_gitlab_session=)[0-9a-z]{32}", ("_gitlab_session=",)),
    Shape("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", ("npm_",)),
    Shape("pypi-token", r"\bpypi-Ag[\w-]{50,1000}", ("pypi-ag",)),  # pypi-AgEIcHlwaS5vcmc… / test.pypi.org
    Shape("rubygems-token", r"\brubygems_[a-f0-9]{48}\b", ("rubygems_",)),
    Shape("clojars-token", r"(?i:CLOJARS_[a-z0-9]{60})", ("clojars_",)),
    Shape("artifactory-key", r"\bAKCp[A-Za-z0-9]{69}\b", ("akcp",)),
    Shape("artifactory-token", r"\bcmVmd[A-Za-z0-9]{59}\b", ("cmvmd",)),
    Shape("octopus-deploy-key", r"\bAPI-[A-Z0-9]{26}\b", ("api-",)),
    Shape("pulumi-token", r"\bpul-[a-f0-9]{40}\b", ("pul-",)),
    Shape("prefect-token", r"\bpnu_[a-zA-Z0-9]{36}\b", ("pnu_",)),
    Shape("infracost-token", r"\bico-[a-zA-Z0-9]{32}\b", ("ico-",)),
    Shape("terraform-token", r"\b[a-zA-Z0-9]{14}\.atlasv1\.[a-zA-Z0-9_=-]{60,70}", ("atlasv1",)),
    Shape("vault-token", r"\bhv[sbr]\.[\w-]{20,300}", ("hvs.", "hvb.", "hvr.")),
    Shape("doppler-token", r"\bdp\.(?:pt|st|sa|scim|audit|ct)\.[A-Za-z0-9]{40,}", ("dp.",)),
    Shape("age-secret-key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", ("age-secret-key-1",)),
    Shape("1password-token", r"\bops_eyJ[a-zA-Z0-9+/]{250,}={0,3}", ("ops_",)),
    Shape(
        "1password-secret-key",
        r"\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})"
        r"-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b",
        ("a3-",),
    ),
    # --- data platforms and SaaS used from pipelines
    Shape("databricks-token", r"\bdapi[a-f0-9]{32}(?:-\d)?\b", ("dapi",)),
    Shape("huggingface-token", r"\b(?:hf_|api_org_)[A-Za-z0-9]{34,}\b", ("hf_", "api_org_")),
    Shape("openai-key", r"\bsk-(?:proj-|svcacct-|admin-|ant-(?:api03|admin01)-)?[A-Za-z0-9_-]{20,}", ("sk-",)),
    Shape("perplexity-key", r"\bpplx-[a-zA-Z0-9]{48}\b", ("pplx-",)),
    Shape(
        "stripe-key",
        r"\b(?:sk|rk|pk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}\b",
        tuple(f"{a}_{b}_" for a in ("sk", "rk", "pk") for b in ("test", "live", "prod")),
    ),
    Shape("sendgrid-key", r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}", ("sg.",)),
    Shape("sendinblue-key", r"\bxkeysib-[a-f0-9]{64}-[a-zA-Z0-9]{16}\b", ("xkeysib-",)),
    Shape("twilio-api-key", r"\bSK[0-9a-fA-F]{32}\b", ("sk",)),
    Shape("mailgun-key", r"\bkey-[0-9a-f]{32}\b", ("key-",)),
    Shape("mailgun-key", r"\b[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}\b(?=.{0,80}$)", ("mailgun",)),
    Shape("shopify-token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", ("shpat_", "shpca_", "shppa_", "shpss_")),
    Shape("square-token", r"\b(?:EAAA|sq0atp-|sq0csp-)[\w-]{22,60}", ("eaaa", "sq0atp-", "sq0csp-")),
    Shape("facebook-token", r"\bEAA[MC][a-zA-Z0-9]{100,}", ("eaam", "eaac")),
    Shape("linear-key", r"\blin_api_[a-zA-Z0-9]{40}\b", ("lin_api_",)),
    Shape("notion-token", r"\bntn_[0-9]{11}[A-Za-z0-9]{35}\b", ("ntn_",)),
    Shape("postman-key", r"\bPMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}\b", ("pmak-",)),
    Shape("planetscale-token", r"\bpscale_(?:tkn|oauth|pw)_[\w=.-]{32,64}", ("pscale_",)),
    Shape("readme-key", r"\brdme_[a-z0-9]{70}\b", ("rdme_",)),
    Shape("sentry-token", r"\bsntry[us]_[A-Za-z0-9+/=_]{40,}", ("sntryu_", "sntrys_")),
    Shape(
        "grafana-token",
        r"\b(?:eyJrIjoi[A-Za-z0-9]{70,400}={0,3}|glc_[A-Za-z0-9+/]{32,400}={0,3}"
        r"|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})",
        ("eyjrijoi", "glc_", "glsa_"),
    ),
    Shape("dynatrace-token", r"\bdt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}", ("dt0c01.",)),
    Shape("easypost-key", r"\bEZ[AT]K[a-zA-Z0-9]{54}\b", ("ezak", "eztk")),
    Shape("duffel-token", r"\bduffel_(?:test|live)_[a-zA-Z0-9_=-]{43}", ("duffel_",)),
    Shape("frameio-token", r"\bfio-u-[a-zA-Z0-9_=-]{64}", ("fio-u-",)),
    Shape("flutterwave-key", r"\bFLW(?:SECK|PUBK)_TEST-[a-hA-H0-9]{12,32}(?:-X)?", ("flwseck_test", "flwpubk_test")),
    Shape("clickhouse-key", r"\b4b1d[A-Za-z0-9]{38}\b", ("4b1d",)),
    Shape("maxmind-key", r"\b[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk\b", ("_mmk",)),
    Shape("adobe-secret", r"\bp8e-[a-zA-Z0-9]{32}\b", ("p8e-",)),
    Shape("atlassian-token", r"\bATATT3[A-Za-z0-9_=-]{186}", ("atatt3",)),
    Shape("settlemint-token", r"\bsm_(?:aat|pat|sat)_[a-zA-Z0-9]{16}\b", ("sm_aat_", "sm_pat_", "sm_sat_")),
    Shape("shippo-token", r"\bshippo_(?:live|test)_[a-fA-F0-9]{40}\b", ("shippo_",)),
    Shape("sourcegraph-token", r"\bsgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}\b|\bsgp_[a-fA-F0-9]{40}\b", ("sgp_",)),
    # --- chat and webhooks
    Shape(
        "slack-token",
        r"\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}"
        r"|\bxoxe\.xox[bp]-\d-[A-Za-z0-9]{100,}",
        ("xox", "xapp-"),
    ),
    Shape(
        "slack-webhook",
        r"(?<=hooks\.slack\.com/)(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}",
        ("hooks.slack.com",),
    ),
    Shape("teams-webhook", r"(?<=\.webhook\.office\.com/)webhookb2/[A-Za-z0-9@/-]{40,}", ("webhook.office.com",)),
    Shape("discord-webhook", r"(?<=discord\.com/api/webhooks/)\d+/[\w-]{40,}", ("discord.com/api/webhooks",)),
    Shape("telegram-bot-token", r"(?<![\d:])\d{8,10}:AA[0-9A-Za-z_-]{32,33}\b", (":aa",)),
    # --- JSON Web Tokens (gitleaks `jwt`; also what Airflow/OpenMetadata bots and session cookies carry)
    Shape("jwt", r"\bey[A-Za-z0-9_-]{15,}\.ey[A-Za-z0-9_/\\-]{15,}\.[A-Za-z0-9_/\\-]{8,}={0,2}", ("eyj",)),
)

# Vendor names (gitleaks' "<vendor> ... = <value>" rules, one per vendor there): an assignment whose key mentions one
# of them and whose value is a random-looking token of 16+ characters is a credential of that vendor.
VENDOR_WORDS: tuple[str, ...] = (
    "adafruit", "adobe", "airtable", "algolia", "alibaba", "asana", "atlassian", "jira", "confluence", "beamer",
    "bitbucket", "bittrex", "meraki", "cloudflare", "codecov", "cohere", "coinbase", "confluent", "contentful",
    "databricks", "datadog", "discord", "droneci", "dropbox", "facebook", "fastly", "finicity", "finnhub",
    "flickr", "freshbooks", "gitter", "gocardless", "heroku", "hubspot", "intercom", "jfrog", "artifactory",
    "kraken", "kucoin", "launchdarkly", "linkedin", "looker", "mailchimp", "mailgun", "mapbox",
    "mattermost", "messagebird", "netlify", "newrelic", "new_relic", "nytimes", "okta", "pagerduty", "plaid",
    "rapidapi", "sendbird", "sentry", "snyk", "sonar", "squarespace", "sumologic", "travis", "twilio", "twitch",
    "twitter", "typeform", "yandex", "zendesk", "snowflake", "openai", "anthropic", "wandb", "mixpanel",
    "fivetran", "airbyte", "dbt_cloud", "hightouch", "monte_carlo", "redshift", "bigquery",
)  # fmt: skip
