"""Our criterion's compliance for a cycle set against a linked national benchmark measure.

Glue between the store (`model.benchmark.benchmark_store`), our local results (`model.results.cycle_results`) and the
funnel maths (`model.benchmark.benchmarks`). The comparison is indicative (DOMAIN §6): definitions,
periods and case mix differ between a local audit and a national publication.

Also here: who "we" are (trust name, ODS codes; validated), and the outlier table export
with formula-injection neutralised (DOMAIN §10).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.benchmark.benchmark_matching import find_our_rows
from model.benchmark.benchmark_store import links_for_audit, periods_for_measure, values_for_measure
from model.benchmark.benchmarks import OUTLIER_NOTE, FunnelResult, Overdispersion, funnel, outlier_table
from model.benchmark.fingertips_import import main_ages
from model.benchmark.local_comparison import LocalComparison, compare_local
from model.core import settings
from model.core.errors import KnownError
from model.core.excel_safety import frame_to_csv, neutralise_frame
from model.plan.cycles import get_cycle
from model.results.cycle_results import cycle_results

INDICATIVE_NOTE = (
    "This comparison is indicative: a local audit sample and a national publication rarely share "
    "exactly the same definition, period and case mix."
)
#: Area types that are aggregates, never organisations to plot.
_AGGREGATE_AREAS = {"national", "country"}
_CODE = re.compile(r"^[A-Z0-9]+$")
#: A text cell starting with one of these can run as a formula in Excel (DOMAIN §10).


# --- Who we are --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustIdentity:
    """Our organisation as the settings table holds it.

    Attributes:
        name: the trust's name (used to match by name, after the user confirms).
        code: the 3-character ODS trust code ("" when not set).
        site_codes: 5-character ODS site codes.
    """

    name: str
    code: str
    site_codes: tuple[str, ...]


def split_site_codes(text: str) -> tuple[str, ...]:
    """'rxx01, RXX02,,' → ('RXX01', 'RXX02'): upper case, blanks dropped."""
    return tuple(part.strip().upper() for part in text.split(",") if part.strip())


def identity_problems(name: str, code: str, site_codes: str) -> dict[str, str]:
    """Plain messages per field ("name", "code", "sites"); empty when all is well.

    Args:
        name: the trust's name.
        code: the ODS trust code (3 characters, letters and digits).
        site_codes: comma-separated ODS site codes (5 characters, starting with the trust code).
    """
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "Type the trust's name as national audits publish it."
    trust = code.strip().upper()
    if len(trust) != 3 or not _CODE.match(trust):
        problems["code"] = "An ODS trust code has exactly 3 letters or digits (e.g. RXX or R1H)."
    bad = [s for s in split_site_codes(site_codes) if len(s) != 5 or not _CODE.match(s)]
    foreign = [s for s in split_site_codes(site_codes) if s not in bad and not s.startswith(trust)]
    if bad:
        problems["sites"] = f"A site code has exactly 5 letters or digits: {', '.join(bad)}."
    elif foreign and "code" not in problems:
        problems["sites"] = f"Site codes start with the trust code {trust}: {', '.join(foreign)}."
    return problems


def load_identity(db: Database) -> TrustIdentity:
    """Our trust's name and codes from the settings table."""
    return TrustIdentity(
        name=settings.get(db, "trust_name"),
        code=settings.get(db, "trust_code").strip().upper(),
        site_codes=split_site_codes(settings.get(db, "site_codes")),
    )


def save_identity(db: Database, name: str, code: str, site_codes: str) -> TrustIdentity:
    """Validate and store our trust's name and codes.

    Raises:
        KnownError: when a field is invalid (nothing is stored then).
    """
    problems = identity_problems(name, code, site_codes)
    if problems:
        raise KnownError(" ".join(problems.values()), hint="Correct the highlighted fields.")
    identity = TrustIdentity(name.strip(), code.strip().upper(), split_site_codes(site_codes))
    with db.atomic():
        for key, value in (("trust_name", identity.name), ("trust_code", identity.code),
                           ("site_codes", ",".join(identity.site_codes))):
            db.table("settings").upsert({"key": key, "value": value}, pk="key")
    return identity


# --- Our local result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalResult:
    """One criterion's counts in one cycle.

    Attributes:
        label: the criterion's short name.
        met, n: cases meeting the criterion and eligible cases (exceptions and missing left out).
        direction: "higher" or "lower" (which way is better).
        cycle_title: e.g. "Cycle 2 (re-audit)".
    """

    label: str
    met: int
    n: int
    direction: str
    cycle_title: str


def local_result(db: Database, cycle_id: int, lineage: str) -> LocalResult:
    """Our counts for the criterion with this lineage in the cycle.

    Raises:
        KnownError: when the cycle has no such criterion.
    """
    results = cycle_results(db, cycle_id)
    rows = results.table[results.table["lineage"] == lineage]
    if rows.empty:
        raise KnownError(
            f"The linked criterion is not part of {results.cycle_title}.",
            hint="Pick a cycle that measures it, or link one of this cycle's criteria.",
        )
    row = rows.iloc[0]
    return LocalResult(str(row["short_name"]), int(row["met"]), int(row["met"] + row["not_met"]),
                       str(row["direction"]), results.cycle_title)


# --- The national picture --------------------------------------------------------------------


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).fillna("").astype(str).str.strip()


def breakdown_rows(values: pd.DataFrame) -> pd.DataFrame:
    """Rows with no sub-breakdown: Persons (or no sex), all categories, the main age (Fingertips splits many ways)."""
    sex = _text(values["sex"]).str.lower()
    has_persons = (sex == "persons").any()
    keep = (sex == "persons") if has_persons else pd.Series(True, index=values.index)
    if len(values) and "measure_code" in values:
        keep &= main_ages(values)
    return values[keep & (_text(values["category_type"]) == "")]


def area_types(values: pd.DataFrame) -> list[str]:
    """Area types that hold organisations (not national aggregates), most rows first."""
    areas = _text(values.loc[~values["is_national"], "area_type"])
    counts = areas[~areas.str.lower().isin(_AGGREGATE_AREAS) & (areas != "")].value_counts(sort=True)
    return [str(a) for a in counts.index]


def national_proportion(values: pd.DataFrame) -> float | None:
    """The national row's proportion (0–1), or None when the file has no usable national row."""
    rows = values.loc[values["is_national"], "proportion"].dropna()
    return float(rows.iloc[0]) if len(rows) else None


def _organisations(values: pd.DataFrame, area_type: str | None) -> pd.DataFrame:
    rows = values[~values["is_national"]]
    if area_type:
        rows = rows[_text(rows["area_type"]) == area_type]
    return pd.DataFrame({
        "code": _text(rows["org_code"]).to_numpy(),
        "name": _text(rows["org_name"]).to_numpy(),
        "parent_code": _text(rows["parent_code"]).to_numpy(),
        "parent_name": _text(rows["parent_name"]).to_numpy(),
        "numerator": pd.to_numeric(rows["numerator"], errors="coerce").to_numpy(),
        "denominator": pd.to_numeric(rows["denominator"], errors="coerce").to_numpy(),
        "proportion": rows["proportion"].to_numpy(dtype=float),
        "suppressed_text": rows["suppressed_text"].to_numpy(),
    })


def _countable(orgs: pd.DataFrame) -> np.ndarray:
    x, n = orgs["numerator"].to_numpy(dtype=float), orgs["denominator"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        countable: np.ndarray = np.isfinite(x) & np.isfinite(n) & (n >= 1) & (x >= 0) & (x <= n)
    return countable


# --- The comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkComparison:
    """A linked criterion's result against the organisations in a national file.

    Attributes:
        link_id: the criterion–measure link.
        local: our counts for the cycle.
        measure_code, measure_name, dataset_file: the national measure and its file.
        unit: the measure's unit ("percent", "proportion", "per 100,000", "" when unknown).
        definition_difference: the user's note on how the definitions differ.
        period: the national period shown (None when the file has none).
        periods: every period the measure has.
        area_type: the area type plotted (None when the file has none).
        area_types: every area type holding organisations.
        organisations: the plotted organisations (code, name, parent_code, parent_name,
            numerator, denominator, proportion, ours), in funnel order.
        left_out: organisations of that area type without usable counts (suppressed).
        national_value: the national row's proportion, or None (the funnel then uses pooled).
        funnel: the funnel of `organisations` (None when fewer than one has counts).
        versus: our local result against the other organisations (`compare_local`).
        our_rows: our organisation's own published rows (code, name, numerator, denominator,
            proportion, match_kind); empty when not found.
        name_match_pending: our rows were found by name only and the user has not confirmed.
        outliers: `model.benchmark.benchmarks.outlier_table` of the funnel (empty frame when none).
    """

    link_id: int
    local: LocalResult
    measure_code: str
    measure_name: str
    dataset_file: str
    unit: str
    definition_difference: str
    period: str | None
    periods: tuple[str, ...]
    area_type: str | None
    area_types: tuple[str, ...]
    organisations: pd.DataFrame
    left_out: int
    national_value: float | None
    funnel: FunnelResult | None
    versus: LocalComparison
    our_rows: pd.DataFrame
    name_match_pending: bool
    outliers: pd.DataFrame

    def sentences(self) -> list[str]:
        """The plain-English reading: the comparison, then the indicative and definition notes."""
        text = [self.versus.describe()]
        if self.definition_difference.strip():
            text.append(f"Definitions differ: {self.definition_difference.strip()}")
        if self.unit.startswith("per "):
            text.append(f"The national measure is a rate ({self.unit}), not a percentage of cases meeting a "
                        "standard: the comparison may not be meaningful.")
        text.append(INDICATIVE_NOTE)
        return text

    def our_published(self) -> tuple[float, float] | None:
        """Our organisation's published counts (numerator, denominator) summed over our rows."""
        rows = self.our_rows.dropna(subset=["numerator", "denominator"])
        if rows.empty:
            return None
        return float(rows["numerator"].sum()), float(rows["denominator"].sum())


def _link(db: Database, audit_id: int, link_id: int) -> pd.Series:
    links = links_for_audit(db, audit_id)
    rows = links[links["id"] == link_id]
    if rows.empty:
        raise KnownError("That benchmark link no longer exists.", hint="Link the criterion again.")
    return rows.iloc[0]


def _our_rows(orgs: pd.DataFrame, identity: TrustIdentity, accept_name_match: bool) -> tuple[pd.DataFrame, bool]:
    frame = orgs.rename(columns={"code": "org_code", "name": "org_name"})
    found = find_our_rows(frame, identity.code, identity.site_codes, identity.name)
    pending = bool(len(found)) and (found["match_kind"] == "name").all() and not accept_name_match
    return found.rename(columns={"org_code": "code", "org_name": "name"}), pending


def compare_link(
    db: Database,
    link_id: int,
    cycle_id: int,
    *,
    period: str | None = None,
    area_type: str | None = None,
    overdispersion: Overdispersion | None = None,
    accept_name_match: bool = False,
) -> BenchmarkComparison:
    """Set the linked criterion's compliance in a cycle against the linked national measure.

    Args:
        db: the store.
        link_id: the criterion–measure link (`model.benchmark.benchmark_store.link_criterion`).
        cycle_id: our cycle (its audit must own the link).
        period: the national period (None: the one chosen when linking, else the latest).
        area_type: which area type to compare with (None: the one with most organisations).
        overdispersion: None, "multiplicative" or "additive" funnel limits.
        accept_name_match: the user confirmed that rows matched by name only are ours.

    Returns:
        The comparison; our own rows are left out of the distribution and the rank.

    Raises:
        KnownError: no local data, no national values, or the link is gone.
    """
    audit_id = get_cycle(db, cycle_id).audit_id
    link = _link(db, audit_id, link_id)
    if str(link["unit"] or "") == "median":
        raise KnownError(
            f"'{link['measure_name']}' is a median with its interquartile range, not a percentage of patients, "
            "so it cannot be compared with a criterion's compliance.",
            hint="Link the criterion to one of the file's percentage measures instead.",
        )
    local = local_result(db, cycle_id, str(link["criterion_lineage"]))
    if local.n < 1:
        raise KnownError(
            f"'{local.label}' has no eligible cases in {local.cycle_title} yet.",
            hint="Enter the cycle's data first (exceptions and missing answers do not count).",
        )
    periods = tuple(periods_for_measure(db, int(link["measure_id"])))
    linked = link["period"] if isinstance(link["period"], str) else None
    chosen = next((p for p in (period, linked) if p in periods), periods[-1] if periods else None)
    values = breakdown_rows(values_for_measure(db, int(link["measure_id"]), chosen))
    areas = tuple(area_types(values))
    area = area_type if area_type in areas else (areas[0] if areas else None)
    orgs = _organisations(values, area)
    ours, pending = _our_rows(orgs, load_identity(db), accept_name_match)
    orgs["ours"] = orgs.index.isin(ours.index) & (not pending)
    national = national_proportion(values)
    others = orgs.loc[~orgs["ours"]]
    versus = compare_local(local.met, local.n, others["proportion"].to_numpy(),
                           others["denominator"].to_numpy(), national)
    countable = _countable(orgs)
    plotted = orgs[countable].reset_index(drop=True)
    result = None
    outliers = pd.DataFrame()
    if len(plotted):
        result = funnel(plotted["numerator"], plotted["denominator"], target=national,
                        overdispersion=overdispersion)
        outliers = outlier_table(result, plotted["code"].tolist(), plotted["name"].tolist(),
                                 higher_is_better=local.direction != "lower")
    return BenchmarkComparison(
        link_id=link_id, local=local, measure_code=str(link["measure_code"]),
        measure_name=str(link["measure_name"]), dataset_file=str(link["file_name"]), unit=str(link["unit"] or ""),
        definition_difference=str(link["definition_difference"] or ""), period=chosen, periods=periods,
        area_type=area, area_types=areas, organisations=plotted, left_out=int((~countable).sum()),
        national_value=national, funnel=result, versus=versus,
        our_rows=ours[["code", "name", "numerator", "denominator", "proportion", "match_kind"]].reset_index(drop=True),
        name_match_pending=pending, outliers=outliers,
    )


# --- Export -------------------------------------------------------------------------------------

OUTLIER_EXPORT_COLUMNS = {
    "code": "Code",
    "name": "Organisation",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "value": "Proportion (%)",
    "lower_95": "95% lower limit (%)",
    "upper_95": "95% upper limit (%)",
    "lower_998": "99.8% lower limit (%)",
    "upper_998": "99.8% upper limit (%)",
    "status": "Status",
    "small_n_note": "Fewer than 10 cases",
}


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as Excel formulas (model.core.excel_safety.neutralise_frame)."""
    return neutralise_frame(frame)


def outlier_export_frame(outliers: pd.DataFrame) -> pd.DataFrame:
    """The outlier table with readable headers and percentages, ready to write."""
    frame = outliers.reindex(columns=list(OUTLIER_EXPORT_COLUMNS)).copy()
    for col in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
        frame[col] = (pd.to_numeric(frame[col], errors="coerce") * 100).round(1)
    frame["small_n_note"] = frame["small_n_note"].map({True: "yes", False: ""}).fillna("")
    return neutralise_formulas(frame.rename(columns=OUTLIER_EXPORT_COLUMNS))


def export_outliers(outliers: pd.DataFrame, path: Path | str, *, title: str = "") -> Path:
    """Write the outlier table to .csv or .xlsx (by suffix), with the indicative note.

    Raises:
        KnownError: when the file cannot be written (open in Excel, no permission).
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        path = path.with_suffix(".csv")
    frame = outlier_export_frame(outliers)
    note = neutralise_formulas(pd.DataFrame({"Code": [f"Note: {OUTLIER_NOTE}"]}))
    if title:
        note = pd.concat([note, neutralise_formulas(pd.DataFrame({"Code": [title]}))], ignore_index=True)
    try:
        if path.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(path, engine="openpyxl") as writer:
                frame.to_excel(writer, sheet_name="Outliers", index=False)
                note.to_excel(writer, sheet_name="Outliers", index=False, header=False,
                              startrow=len(frame) + 2)
        else:
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                frame_to_csv(frame, handle)
                handle.write("\r\n")
                frame_to_csv(note, handle, header=False)
    except OSError as exc:
        raise KnownError(f"The file cannot be written ({exc.strerror}).", where=str(path),
                         hint="Close it if it is open in Excel, or choose another folder.") from exc
    return path


def export_problems(problems: Sequence[dict[str, Any]], path: Path | str) -> Path:
    """Write an import's problems (row, column, value, reason) to CSV, formulas neutralised.

    Raises:
        KnownError: when the file cannot be written.
    """
    path = Path(path)
    frame = pd.DataFrame(list(problems), columns=["row", "column", "value", "reason"])
    frame = neutralise_formulas(frame.astype({"column": object, "value": object, "reason": object}))
    try:
        frame_to_csv(frame, str(path))
    except OSError as exc:
        raise KnownError(f"The file cannot be written ({exc.strerror}).", where=str(path),
                         hint="Close it if it is open in Excel, or choose another folder.") from exc
    return path


def format_proportion(p: float | None, digits: int = 1) -> str:
    """0.611 → '61.1%'; None or NaN → '—'."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    return f"{100 * p:.{digits}f}%"


