"""Loading checked course files into the database, and reading the current content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from onboarding.content import markdown
from onboarding.content.checker import CheckResult, LoadedModule, check_programme
from onboarding.content.localised import DEFAULT_LANGUAGE, translation_languages
from onboarding.content.models import (
    ContentAsset,
    Lesson,
    Module,
    ModuleVersion,
    Option,
    Programme,
    Question,
    QuestionType,
    ReflectionPrompt,
    Scoring,
)
from onboarding.content.schema import (
    MultipleQuestion,
    OrderingQuestion,
    SingleQuestion,
    TrueFalseQuestion,
)
from onboarding.content.translation_files import (
    QuestionTranslation,
    option_texts,
    present,
    question_texts,
)
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.paths import resource_dir


class ContentRefused(ValueError):
    """The files have problems; nothing was loaded."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(f"{len(result.problems)} problems in {result.folder}")
        self.result = result


@dataclass
class SyncReport:
    programme: str
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new_versions or self.retired)


def courses_dir() -> Path:
    configured = current_app.config.get("COURSES_DIR")
    return Path(configured) if configured else resource_dir("courses")


def sync_programme(folder: Path) -> SyncReport:
    """Load one programme folder. Refuses (``ContentRefused``) unless it passes the check.

    A module whose files are unchanged keeps its version; a changed one gets a new version
    and the old one stays for the records made on it. Flushes; the caller commits.
    """
    return sync_checked(check_programme(folder))


def sync_checked(result: CheckResult) -> SyncReport:
    """``sync_programme`` for a folder ``check_programme`` has already read (the tests read
    each folder once per run). Refuses (``ContentRefused``) a result with problems."""
    if not result.ok or result.programme is None:
        raise ContentRefused(result)
    spec = result.programme
    programme = db.session.scalar(select(Programme).where(Programme.slug == spec.slug))
    if programme is None:
        programme = Programme(slug=spec.slug)
        db.session.add(programme)
    # Anything that changes here changes ``synced_at``: each app process keeps the
    # programme's structure in memory for as long as that time stays the same.
    changed = programme.id is None
    for name in ("title_nb", "description_nb", "organisation", "deadline_weeks", "pass_mark"):
        value = getattr(spec, name.removesuffix("_nb"))
        if getattr(programme, name) != value:
            setattr(programme, name, value)
            changed = True
    translations = {
        language: texts
        for language, translation in result.programme_texts.items()
        if (texts := present(title=translation.title, description=translation.description))
    }
    if (programme.translations or {}) != translations:
        programme.translations = translations or None
        changed = True
    db.session.flush()

    report = SyncReport(programme=spec.slug)
    existing = {module.slug: module for module in programme.modules}
    listed: set[str] = set()
    for position, loaded in enumerate(result.modules, start=1):
        slug = loaded.spec.slug
        listed.add(slug)
        module = existing.get(slug)
        if module is None:
            module = Module(programme=programme, slug=slug, folder=loaded.folder, position=position)
            db.session.add(module)
            db.session.flush()
            changed = True
        for name, value in (("position", position), ("folder", loaded.folder), ("active", True)):
            if getattr(module, name) != value:
                setattr(module, name, value)
                changed = True
        version = _version_for(module, loaded, result, spec.pass_mark)
        if module.current_version_id == version.id:
            report.unchanged.append(slug)
        else:
            module.current_version = version
            report.new_versions.append(f"{slug} v{version.number}")
    for slug, module in existing.items():
        if slug not in listed and module.active:
            module.active = False
            report.retired.append(slug)
    if changed or report.changed:
        programme.synced_at = utcnow()
    db.session.flush()
    return report


def _version_for(
    module: Module, loaded: LoadedModule, result: CheckResult, default_pass_mark: int
) -> ModuleVersion:
    """The version with these exact files: the one already stored, or a new one."""
    content_hash = loaded.content_hash
    found = db.session.scalar(
        select(ModuleVersion).where(
            ModuleVersion.module_id == module.id, ModuleVersion.content_hash == content_hash
        )
    )
    if found is not None:
        return found
    number = (
        db.session.scalar(
            select(func.max(ModuleVersion.number)).where(ModuleVersion.module_id == module.id)
        )
        or 0
    ) + 1
    spec = loaded.spec
    assets = {
        path: _store_asset(asset.sha256, asset.content_type, asset.data)
        for path, asset in loaded.assets.items()
    }
    texts = loaded.texts
    version = ModuleVersion(
        module=module,
        number=number,
        content_hash=content_hash,
        title=spec.title,
        summary=spec.summary,
        estimated_minutes=spec.estimated_minutes,
        pass_mark=spec.quiz.pass_mark or default_pass_mark,
        draw=spec.quiz.draw,
        translations=_by_language({lang: t.module() for lang, t in texts.items()}),
    )
    db.session.add(version)
    for position, lesson in enumerate(loaded.lessons, start=1):
        rewrite = _url_rewriter(lesson.path, result, assets)
        version.lessons.append(
            Lesson(
                slug=lesson.slug,
                position=position,
                title=lesson.title,
                source=lesson.source,
                body_html=markdown.render(lesson.source, rewrite),
                translations=_by_language(
                    {lang: present(title=t.lesson_title(lesson.slug)) for lang, t in texts.items()}
                ),
                # A translated file lies beside the original, so its links resolve the same.
                body_translations=_by_language(
                    {
                        lang: {"body_html": markdown.render(t.lesson_sources[lesson.slug], rewrite)}
                        for lang, t in texts.items()
                        if lesson.slug in t.lesson_sources
                    }
                ),
            )
        )
    for position, reflection in enumerate(spec.reflections, start=1):
        version.reflection_prompts.append(
            ReflectionPrompt(
                key=reflection.id,
                position=position,
                prompt=reflection.prompt,
                translations=_by_language(
                    {lang: present(prompt=t.reflection(reflection.id)) for lang, t in texts.items()}
                ),
            )
        )
    for position, entry in enumerate(spec.quiz.questions, start=1):
        translated = {language: t.question(entry.id) for language, t in texts.items()}
        version.questions.append(_question(entry, position, translated))
    db.session.flush()
    return version


def _by_language(texts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]] | None:
    """The translations worth storing: languages with at least one text."""
    return {language: found for language, found in texts.items() if found} or None


def _question(
    entry: SingleQuestion | MultipleQuestion | TrueFalseQuestion | OrderingQuestion,
    position: int,
    translated: dict[str, QuestionTranslation | None],
) -> Question:
    def option_translations(key: str) -> dict[str, dict[str, str]] | None:
        return _by_language(
            {language: option_texts(found, key) for language, found in translated.items()}
        )

    question = Question(
        translations=_by_language(
            {language: question_texts(found) for language, found in translated.items()}
        ),
        key=entry.id,
        position=position,
        type=QuestionType(entry.type),
        scoring=Scoring(entry.scoring)
        if isinstance(entry, MultipleQuestion)
        else Scoring.ALL_OR_NOTHING,
        text=entry.text,
        explanation=entry.explanation,
        lesson_slug=entry.lesson,
        situation=entry.situation,
    )
    if isinstance(entry, SingleQuestion | MultipleQuestion):
        for index, option in enumerate(entry.options, start=1):
            question.options.append(
                Option(
                    key=option.id,
                    position=index,
                    text=option.text,
                    correct=option.correct,
                    feedback=option.feedback,
                    translations=option_translations(option.id),
                )
            )
    elif isinstance(entry, OrderingQuestion):
        # Stored in the right order; the quiz shuffles them for each attempt.
        for index, item in enumerate(entry.items, start=1):
            question.options.append(
                Option(
                    key=item.id,
                    position=index,
                    text=item.text,
                    translations=option_translations(item.id),
                )
            )
    else:
        for index, (key, correct, feedback) in enumerate(
            (
                ("true", entry.answer, entry.feedback_true),
                ("false", not entry.answer, entry.feedback_false),
            ),
            start=1,
        ):
            texts = option_translations(key) or {}
            labels = true_false_labels(key)
            for language in translation_languages():
                texts.setdefault(language, {})["text"] = labels[language]
            question.options.append(
                Option(
                    key=key,
                    position=index,
                    text=labels[DEFAULT_LANGUAGE],
                    correct=correct,
                    feedback=feedback,
                    translations=texts or None,
                )
            )
    return question


def true_false_labels(key: str) -> dict[str, str]:
    """«Sant» and «Usant» in each language the interface offers."""
    labels = {}
    for language in (DEFAULT_LANGUAGE, *translation_languages()):
        with force_locale(language):
            labels[language] = _("True") if key == "true" else _("False")
    return labels


def _store_asset(sha256: str, content_type: str, data: bytes) -> ContentAsset:
    asset = db.session.scalar(select(ContentAsset).where(ContentAsset.sha256 == sha256))
    if asset is None:
        asset = ContentAsset(sha256=sha256, content_type=content_type, data=data)
        db.session.add(asset)
        db.session.flush()
    return asset


def asset_path(asset: ContentAsset, filename: str) -> str:
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config["APPLICATION_ROOT"]
    )
    return adapter.build("content.asset", {"digest": asset.sha256, "filename": filename})


def _url_rewriter(
    lesson_path: Path, result: CheckResult, assets: dict[Path, ContentAsset]
) -> Callable[[str, str], str]:
    def rewrite(kind: str, url: str) -> str:
        if markdown.is_external(url):
            return url
        parts = urlsplit(url)
        if not parts.path:
            return url  # a #fragment on the same page
        target = (lesson_path.parent / unquote(parts.path)).resolve()
        if kind == "image":
            return asset_path(assets[target], target.name)
        module_slug, lesson_slug = result.lesson_index[target]
        # Relative, so the link works wherever lessons are shown (…/<module>/<lesson>).
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return f"../{module_slug}/{lesson_slug}{fragment}"

    return rewrite


# -- reading ------------------------------------------------------------------------------


def programme_by_slug(slug: str) -> Programme | None:
    return db.session.scalar(select(Programme).where(Programme.slug == slug))
