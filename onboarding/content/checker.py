"""``courses check``: read a programme folder and report every problem with file and line.

Nothing here touches the database. ``check_programme`` returns the parsed programme with
its problems; ``sync`` only loads a programme that has none.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from onboarding.content import markdown, translation_files, yamlfile
from onboarding.content.localised import translation_languages
from onboarding.content.schema import (
    ModuleFile,
    MultipleQuestion,
    OrderingQuestion,
    ProgrammeFile,
    SingleQuestion,
)
from onboarding.content.translation_files import (
    Coverage,
    Mismatch,
    ModuleTexts,
    ModuleTranslation,
    ProgrammeTranslation,
)

IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
# The module's pages /modules/<module>/quiz and /reflections sit beside its lessons.
RESERVED_LESSON_SLUGS = {"quiz", "reflections"}
UNSAFE_SVG = re.compile(
    rb"<script|\son[a-z]+\s*=|javascript:|<foreignObject|xlink:href\s*=\s*[\"']https?:", re.I
)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class Asset:
    path: Path
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class LoadedLesson:
    slug: str
    title: str
    path: Path
    source: str


@dataclass
class LoadedModule:
    folder: str
    path: Path
    spec: ModuleFile
    document: yamlfile.YamlDocument
    lessons: list[LoadedLesson]
    assets: dict[Path, Asset]
    # Language -> the module's texts in that language (only languages with any).
    texts: dict[str, ModuleTexts] = field(default_factory=dict)
    # The translated lesson files, for the Markdown checks.
    translated_lessons: list[LoadedLesson] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """Changes whenever anything a learner sees in the module changes, in any language."""
        digest = hashlib.sha256()
        digest.update(json.dumps(self.spec.model_dump(mode="json"), sort_keys=True).encode())
        for lesson in self.lessons:
            digest.update(lesson.source.encode())
        for language in sorted(self.texts):
            texts = self.texts[language]
            digest.update(language.encode())
            if texts.spec is not None:
                dump = texts.spec.model_dump(mode="json")
                digest.update(json.dumps(dump, sort_keys=True).encode())
            for slug in sorted(texts.lesson_sources):
                digest.update(slug.encode())
                digest.update(texts.lesson_sources[slug].encode())
        for path in sorted(self.assets):
            digest.update(str(path.relative_to(self.path)).encode())
            digest.update(self.assets[path].data)
        return digest.hexdigest()


@dataclass
class CheckResult:
    folder: Path
    programme: ProgrammeFile | None = None
    # Language -> programme.<language>.yaml
    programme_texts: dict[str, ProgrammeTranslation] = field(default_factory=dict)
    modules: list[LoadedModule] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Language -> how much of the programme is translated into it.
    coverage: dict[str, Coverage] = field(default_factory=dict)
    # Resolved lesson file -> (module slug, lesson slug), for rewriting links.
    lesson_index: dict[Path, tuple[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def question_count(self) -> int:
        return sum(len(module.spec.quiz.questions) for module in self.modules)

    @property
    def lesson_count(self) -> int:
        return sum(len(module.lessons) for module in self.modules)


def find_programmes(root: Path) -> list[Path]:
    """The programme folders under ``root`` (or ``root`` itself if it is one)."""
    if (root / "programme.yaml").exists():
        return [root]
    return sorted(path.parent for path in root.glob("*/programme.yaml"))


class _Checker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.result = CheckResult(folder=self.folder)

    def name(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.folder.parent))
        except ValueError:
            return str(path)

    def problem(self, path: Path, line: int | None, message: str) -> None:
        self.result.problems.append(Problem(self.name(path), line, message))

    # -- YAML files ---------------------------------------------------------------------

    def load(self, path: Path, model: type[BaseModel]) -> tuple[Any, yamlfile.YamlDocument | None]:
        if not path.is_file():
            self.problem(path, None, _("The file does not exist."))
            return None, None
        try:
            document = yamlfile.load(path)
        except yamlfile.YamlProblem as error:
            self.problem(
                path, error.line, _("This is not valid YAML: %(reason)s", reason=str(error))
            )
            return None, None
        for key, line in document.duplicate_keys:
            self.problem(path, line, _("The field “%(field)s” is given twice.", field=key))
        if not isinstance(document.data, dict):
            self.problem(path, 1, _("The file must be a set of fields (name: value)."))
            return None, document
        try:
            return model.model_validate(document.data), document
        except ValidationError as error:
            for detail in error.errors():
                location = _data_location(detail["loc"], document)
                if detail["type"] == "union_tag_invalid":
                    location = (*location, "type")  # point at the type, not the question
                self.problem(path, document.line_of(location), _describe(detail, location))
            return None, document

    # -- the programme ------------------------------------------------------------------

    def run(self) -> CheckResult:
        programme_path = self.folder / "programme.yaml"
        programme, document = self.load(programme_path, ProgrammeFile)
        if programme is None or document is None:
            return self.result
        self.result.programme = programme
        self.unknown_languages(self.folder.glob("programme.*.yaml"))
        for language in translation_languages():
            path = self.folder / f"programme.{language}.yaml"
            if not path.exists():
                continue
            translation, translated_document = self.load(path, ProgrammeTranslation)
            if translation is None or translated_document is None:
                continue
            for mismatch in translation_files.programme_mismatches(programme, translation):
                self.mismatch(path, translated_document, mismatch, "programme.yaml")
            self.result.programme_texts[language] = translation
        seen_folders: dict[str, int] = {}
        module_slugs: dict[str, str] = {}
        question_ids: dict[str, str] = {}
        reflection_ids: dict[str, str] = {}
        for index, folder_name in enumerate(programme.modules):
            line = document.line_of(("modules", index))
            if folder_name in seen_folders:
                self.problem(
                    programme_path,
                    line,
                    _("The module “%(folder)s” is listed twice.", folder=folder_name),
                )
                continue
            seen_folders[folder_name] = index
            module_path = (self.folder / folder_name).resolve()
            if module_path.parent != self.folder or not module_path.is_dir():
                self.problem(
                    programme_path,
                    line,
                    _("The module folder “%(folder)s” does not exist.", folder=folder_name),
                )
                continue
            module = self.check_module(module_path)
            if module is None:
                continue
            module_file = module_path / "module.yaml"
            other = module_slugs.get(module.spec.slug)
            if other:
                self.problem(
                    module_file,
                    1,
                    _(
                        "The module slug “%(slug)s” is already used by %(other)s.",
                        slug=module.spec.slug,
                        other=other,
                    ),
                )
            module_slugs[module.spec.slug] = folder_name
            module_document = module.document
            for q_index, question in enumerate(module.spec.quiz.questions):
                other = question_ids.get(question.id)
                if other:
                    self.problem(
                        module_file,
                        module_document.line_of(("quiz", "questions", q_index, "id")),
                        _(
                            "The question id “%(id)s” is already used in %(other)s.",
                            id=question.id,
                            other=other,
                        ),
                    )
                question_ids[question.id] = folder_name
            for r_index, reflection in enumerate(module.spec.reflections):
                other = reflection_ids.get(reflection.id)
                if other:
                    self.problem(
                        module_file,
                        module_document.line_of(("reflections", r_index, "id")),
                        _(
                            "The reflection id “%(id)s” is already used in %(other)s.",
                            id=reflection.id,
                            other=other,
                        ),
                    )
                reflection_ids[reflection.id] = folder_name
            self.result.modules.append(module)
            for lesson in module.lessons:
                self.result.lesson_index[lesson.path] = (module.spec.slug, lesson.slug)
        for module in self.result.modules:
            for lesson in (*module.lessons, *module.translated_lessons):
                self.check_markdown(module, lesson)
        self.measure_coverage()
        return self.result

    def measure_coverage(self) -> None:
        programme = self.result.programme
        assert programme is not None
        for language in translation_languages():
            coverage = Coverage(language)
            texts = self.result.programme_texts.get(language)
            coverage.count(
                texts is not None and bool(texts.title) and bool(texts.description),
                _("programme title and description"),
            )
            for module in self.result.modules:
                translation_files.module_coverage(
                    coverage, module.folder, module.spec, module.texts.get(language, ModuleTexts())
                )
            self.result.coverage[language] = coverage

    def mismatch(
        self, path: Path, document: yamlfile.YamlDocument, mismatch: Mismatch, original: str
    ) -> None:
        field_name = next(
            (str(part) for part in reversed(mismatch.location) if isinstance(part, str)), ""
        )
        messages = {
            "differs": _(
                "“%(field)s” must be the same as in %(original)s: a translation changes "
                "only the texts.",
                field=field_name,
                original=original,
            ),
            "unknown": _(
                "“%(id)s” is not in %(original)s. A translation can only translate what is there.",
                id=mismatch.item,
                original=original,
            ),
            "options": _(
                "The question “%(question)s” must have the same options as in %(original)s.",
                question=mismatch.question,
                original=original,
            ),
            "correct": _(
                "Option “%(option)s” in the question “%(question)s” must be correct or wrong "
                "as in %(original)s: an option cannot be right in one language and wrong "
                "in another.",
                option=mismatch.item,
                question=mismatch.question,
                original=original,
            ),
            "answer": _(
                "The answer to the question “%(question)s” must be the same as in %(original)s.",
                question=mismatch.question,
                original=original,
            ),
            "order": _(
                "The items of the question “%(question)s” must be in the same order as in "
                "%(original)s: the order is the answer.",
                question=mismatch.question,
                original=original,
            ),
        }
        self.problem(path, document.line_of(mismatch.location), messages[mismatch.kind])

    # -- a module -----------------------------------------------------------------------

    def check_module(self, module_path: Path) -> LoadedModule | None:
        module_file = module_path / "module.yaml"
        spec, document = self.load(module_file, ModuleFile)
        if spec is None or document is None:
            return None
        ok = True

        def report(location: tuple[str | int, ...], message: str) -> None:
            nonlocal ok
            ok = False
            self.problem(module_file, document.line_of(location), message)

        lessons: list[LoadedLesson] = []
        lesson_slugs: set[str] = set()
        for index, entry in enumerate(spec.lessons):
            if entry.slug in RESERVED_LESSON_SLUGS:
                report(
                    ("lessons", index, "slug"),
                    _(
                        "“%(slug)s” cannot be used as a lesson slug: the module's own pages "
                        "use it.",
                        slug=entry.slug,
                    ),
                )
            if entry.slug in lesson_slugs:
                report(
                    ("lessons", index, "slug"),
                    _("The lesson slug “%(slug)s” is used twice in this module.", slug=entry.slug),
                )
            lesson_slugs.add(entry.slug)
            path = (module_path / entry.file).resolve()
            if not path.is_relative_to(module_path):
                report(
                    ("lessons", index, "file"),
                    _(
                        "The lesson file “%(file)s” must be inside the module folder.",
                        file=entry.file,
                    ),
                )
            elif not path.is_file():
                report(
                    ("lessons", index, "file"),
                    _("The lesson file “%(file)s” does not exist.", file=entry.file),
                )
            else:
                lessons.append(
                    LoadedLesson(entry.slug, entry.title, path, path.read_text(encoding="utf-8"))
                )

        quiz = spec.quiz
        if quiz.draw > len(quiz.questions):
            report(
                ("quiz", "draw"),
                _(
                    "The quiz draws %(draw)d questions, but the bank has only %(bank)d.",
                    draw=quiz.draw,
                    bank=len(quiz.questions),
                ),
            )
        question_ids: set[str] = set()
        for index, question in enumerate(quiz.questions):
            where = ("quiz", "questions", index)
            if question.id in question_ids:
                report(
                    (*where, "id"),
                    _("The question id “%(id)s” is used twice in this module.", id=question.id),
                )
            question_ids.add(question.id)
            if question.lesson not in lesson_slugs:
                report(
                    (*where, "lesson"),
                    _(
                        "The question refers to the lesson “%(lesson)s”, "
                        "which is not in this module.",
                        lesson=question.lesson,
                    ),
                )
            choices = (
                question.options
                if isinstance(question, SingleQuestion | MultipleQuestion)
                else (question.items if isinstance(question, OrderingQuestion) else [])
            )
            keys = [choice.id for choice in choices]
            for key in {k for k in keys if keys.count(k) > 1}:
                report(
                    (*where, "options" if not isinstance(question, OrderingQuestion) else "items"),
                    _("The option id “%(id)s” is used twice in this question.", id=key),
                )
            if isinstance(question, SingleQuestion):
                correct = sum(option.correct for option in question.options)
                if correct != 1:
                    report(
                        (*where, "options"),
                        _(
                            "A “single” question must have exactly one correct option; "
                            "this one has %(count)d.",
                            count=correct,
                        ),
                    )
            elif isinstance(question, MultipleQuestion):
                if not any(option.correct for option in question.options):
                    report(
                        (*where, "options"),
                        _("A “multiple” question must have at least one correct option."),
                    )
            elif isinstance(question, OrderingQuestion) and len(question.items) < 3:
                report(
                    (*where, "items"),
                    _(
                        "An “ordering” question needs at least three items; "
                        "this one has %(count)d.",
                        count=len(question.items),
                    ),
                )
        reflection_ids: set[str] = set()
        for index, reflection in enumerate(spec.reflections):
            if reflection.id in reflection_ids:
                report(
                    ("reflections", index, "id"),
                    _("The reflection id “%(id)s” is used twice in this module.", id=reflection.id),
                )
            reflection_ids.add(reflection.id)
        if not ok:
            return None
        module = LoadedModule(module_path.name, module_path, spec, document, lessons, {})
        if not self.load_translations(module):
            return None
        return module

    def unknown_languages(self, candidates: Iterable[Path]) -> None:
        """Report translation files in a language the platform does not offer: a
        ``module.no.yaml`` or ``01-visjon.de.md`` would otherwise be ignored without a word."""
        offered = set(translation_languages())
        for path in sorted(candidates):
            code = path.suffixes[-2].lstrip(".") if len(path.suffixes) >= 2 else ""
            if re.fullmatch(r"[a-z]{2,3}", code) and code not in offered:
                self.problem(
                    path,
                    None,
                    _(
                        "“%(code)s” is not a language the platform offers, so this file is "
                        "not used. Translations can be in: %(offered)s.",
                        code=code,
                        offered=", ".join(sorted(offered)),
                    ),
                )

    def load_translations(self, module: LoadedModule) -> bool:
        """Read the module's translation files; False if one contradicts the original."""
        ok = True
        self.unknown_languages(
            [
                *module.path.glob("module.*.yaml"),
                *(
                    candidate
                    for lesson in module.lessons
                    for candidate in lesson.path.parent.glob(f"{lesson.path.stem}.*.md")
                ),
            ]
        )
        for language in translation_languages():
            texts = ModuleTexts()
            path = module.path / f"module.{language}.yaml"
            if path.exists():
                translation, document = self.load(path, ModuleTranslation)
                if translation is None or document is None:
                    ok = False
                else:
                    mismatches = translation_files.module_mismatches(module.spec, translation)
                    for mismatch in mismatches:
                        self.mismatch(path, document, mismatch, "module.yaml")
                    ok = ok and not mismatches
                    texts.spec = translation
            for lesson in module.lessons:
                translated = lesson.path.with_name(
                    f"{lesson.path.stem}.{language}{lesson.path.suffix}"
                )
                if translated.is_file():
                    source = translated.read_text(encoding="utf-8")
                    texts.lesson_sources[lesson.slug] = source
                    title = texts.lesson_title(lesson.slug) or lesson.title
                    module.translated_lessons.append(
                        LoadedLesson(lesson.slug, title, translated, source)
                    )
            if texts.spec is not None or texts.lesson_sources:
                module.texts[language] = texts
        return ok

    # -- lesson Markdown ----------------------------------------------------------------

    def check_markdown(self, module: LoadedModule, lesson: LoadedLesson) -> None:
        for finding in markdown.scan(lesson.source):
            if finding.kind == "html":
                self.problem(
                    lesson.path,
                    finding.line,
                    _(
                        "%(tag)s is HTML that would be removed from the page. "
                        "Write it in Markdown instead.",
                        tag=finding.detail,
                    ),
                )
            elif finding.kind == "heading":
                self.problem(
                    lesson.path,
                    finding.line,
                    _(
                        "Do not use a level 1 heading (#) in a lesson: the page shows the "
                        "lesson's title. Start with ##."
                    ),
                )
            elif finding.kind == "image":
                self.check_image(module, lesson, finding)
            elif finding.kind == "link":
                self.check_link(lesson, finding)

    def check_image(
        self, module: LoadedModule, lesson: LoadedLesson, finding: markdown.Finding
    ) -> None:
        target = finding.target
        if markdown.is_external(target):
            self.problem(
                lesson.path,
                finding.line,
                _(
                    "The image “%(image)s” is not in the course folder; images must lie "
                    "next to the lessons.",
                    image=target,
                ),
            )
            return
        path = (lesson.path.parent / unquote(urlsplit(target).path)).resolve()
        if not path.is_relative_to(module.path) or not path.is_file():
            self.problem(
                lesson.path, finding.line, _("The image “%(image)s” does not exist.", image=target)
            )
            return
        if not finding.detail:
            self.problem(
                lesson.path,
                finding.line,
                _(
                    "The image “%(image)s” has no alt text. Describe what it shows: "
                    "![description](%(image)s)",
                    image=target,
                ),
            )
        content_type = IMAGE_TYPES.get(path.suffix.lower())
        if content_type is None:
            self.problem(
                lesson.path,
                finding.line,
                _(
                    "“%(image)s” is not an image type the pages can show (use SVG, PNG, "
                    "JPEG, GIF or WebP).",
                    image=target,
                ),
            )
            return
        data = path.read_bytes()
        if content_type == "image/svg+xml" and UNSAFE_SVG.search(data):
            self.problem(
                lesson.path,
                finding.line,
                _(
                    "The image “%(image)s” contains scripts, event handlers or external "
                    "references, which are not allowed.",
                    image=target,
                ),
            )
            return
        module.assets[path] = Asset(path, content_type, data)

    def check_link(self, lesson: LoadedLesson, finding: markdown.Finding) -> None:
        target = finding.target
        parts = urlsplit(target)
        if parts.scheme in ("http", "https", "mailto"):
            return
        if parts.scheme or parts.netloc or not parts.path:
            if not parts.scheme and not parts.netloc and parts.fragment:
                return  # a link within the page
            self.problem(
                lesson.path,
                finding.line,
                _(
                    "The link “%(target)s” would be removed: only links to lessons, "
                    "web pages (https) and e-mail addresses are allowed.",
                    target=target,
                ),
            )
            return
        path = (lesson.path.parent / unquote(parts.path)).resolve()
        if path not in self.result.lesson_index:
            self.problem(
                lesson.path,
                finding.line,
                _("The link “%(target)s” points to a lesson that does not exist.", target=target),
            )


def check_programme(folder: Path) -> CheckResult:
    """Read and check one programme folder."""
    return _Checker(folder).run()


def _data_location(
    loc: Iterable[int | str], document: yamlfile.YamlDocument
) -> tuple[str | int, ...]:
    """Pydantic's error location as a path in the YAML data (dropping union tags)."""
    location: tuple[str | int, ...] = ()
    data: Any = document.data
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(data, dict) and isinstance(part, str):
            # A missing field, or a tag pydantic adds for the question type.
            if part in ("single", "multiple", "true_false", "ordering"):
                continue
            return (*location, part)
        else:
            return location
        location = (*location, part)
    return location


def _describe(detail: Any, location: tuple[str | int, ...]) -> str:
    field_name = next((str(part) for part in reversed(location) if isinstance(part, str)), "")
    kind = detail["type"]
    context = detail.get("ctx") or {}
    if kind == "missing":
        return _("The field “%(field)s” is missing.", field=field_name)
    if kind == "extra_forbidden":
        return _("Unknown field “%(field)s”. Check the spelling.", field=field_name)
    if kind == "union_tag_invalid":
        return _(
            "Unknown question type “%(type)s”. Use single, multiple, true_false or ordering.",
            type=context.get("tag", ""),
        )
    if kind == "union_tag_not_found":
        return _("The question has no “type”. Use single, multiple, true_false or ordering.")
    if kind in ("string_type",):
        return _("“%(field)s” must be text.", field=field_name)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("“%(field)s” must be a whole number.", field=field_name)
    if kind in ("bool_type", "bool_parsing"):
        return _("“%(field)s” must be true or false.", field=field_name)
    if kind == "string_pattern_mismatch":
        return _(
            "“%(field)s” may only contain lowercase letters a–z, digits and hyphens.",
            field=field_name,
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        return _("“%(field)s” is outside the allowed range.", field=field_name)
    if kind == "too_short":
        if context.get("field_type") == "String" or "min_length" in str(context):
            return _("“%(field)s” must not be empty.", field=field_name)
    if kind == "list_type":
        return _("“%(field)s” must be a list.", field=field_name)
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("“%(field)s” must be a set of fields (name: value).", field=field_name)
    if kind == "literal_error":
        return _(
            "“%(field)s” has a value that is not allowed: %(allowed)s.",
            field=field_name,
            allowed=context.get("expected", ""),
        )
    return f"“{field_name}”: {detail['msg']}"
