"""Which evidence files an action update accepts, judged by name *and* content.

An extension alone proves nothing (a web page renamed `minutes.pdf`), so each kind is also
recognised by its first bytes. Anything else is refused. Nothing is ever rendered: files
are served back as attachments only.
"""

from dataclasses import dataclass

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceKind:
    extensions: tuple[str, ...]
    content_type: str
    description: str


PDF = EvidenceKind((".pdf",), "application/pdf", "PDF")
PNG = EvidenceKind((".png",), "image/png", "PNG image")
JPEG = EvidenceKind((".jpg", ".jpeg"), "image/jpeg", "JPEG image")
DOCX = EvidenceKind(
    (".docx",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word document (.docx)",
)
XLSX = EvidenceKind(
    (".xlsx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "Excel workbook (.xlsx)",
)
TEXT = EvidenceKind((".txt", ".csv"), "text/plain", "plain text or CSV")
KINDS = (PDF, PNG, JPEG, DOCX, XLSX, TEXT)

ALLOWED_DESCRIPTION = ", ".join(kind.description for kind in KINDS)


def _looks_like(kind: EvidenceKind, head: bytes) -> bool:
    if kind is PDF:
        return head.startswith(b"%PDF-")
    if kind is PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind is JPEG:
        return head.startswith(b"\xff\xd8\xff")
    if kind in (DOCX, XLSX):
        return head.startswith(b"PK\x03\x04")  # a zip, as Office files are
    # Text: no NUL byte and nothing a browser would sniff as markup.
    if b"\x00" in head or head.lstrip().lower().startswith((b"<", b"\xef\xbb\xbf<")):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3  # a character cut off at the end of the sample
    return True


def evidence_kind(filename: str, head: bytes) -> EvidenceKind | None:
    """The kind of an uploaded file from its name and first bytes, or None if refused.

    >>> evidence_kind("minutes.pdf", b"%PDF-1.7 ...").content_type
    'application/pdf'
    >>> evidence_kind("minutes.pdf", b"<html><script>") is None
    True
    >>> evidence_kind("notes.TXT", b"Spot check: 9 of 10 plans updated").description
    'plain text or CSV'
    >>> evidence_kind("page.html", b"<html>") is None
    True
    """
    name = filename.lower()
    for kind in KINDS:
        if name.endswith(kind.extensions) and _looks_like(kind, head):
            return kind
    return None


def safe_filename(filename: str, limit: int = 150) -> str:
    """The uploaded name, reduced to its last part and plain characters, for the download.

    >>> safe_filename("C:\\\\Users\\\\me\\\\spot check (May).pdf")
    'spot check (May).pdf'
    >>> safe_filename('../../etc/"x".txt')
    'x.txt'
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if c.isalnum() or c in " ._-()").strip(" .")
    if len(kept) > limit:
        stem, dot, ext = kept.rpartition(".")
        kept = (stem[: limit - len(ext) - 1] + dot + ext) if dot else kept[:limit]
    return kept or "evidence"
