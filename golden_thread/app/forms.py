"""Editor forms drawn from the record descriptions (``domain.records``): one widget per field, by its kind, holding
the values the editor opened with. The screens lay the forms out; the services check and save what comes back."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from golden_thread.domain.records import RECORDS, Field, choice_words
from golden_thread.services.editing import opened_values

SHORT_KINDS = ("text", "unit", "number", "whole", "date", "choice")


def field_widget(f: Field, value, *, key: str, options: dict | None = None):
    """One field's widget, showing ``value``; returns what the person has typed or chosen."""
    label = f.label + (" *" if f.required else "")
    if options is not None:  # a choice among records (a team, an objective): id -> label
        ids = list(options)
        return st.selectbox(
            label,
            ids,
            index=ids.index(value) if value in ids else None,
            format_func=options.get,
            key=key,
            placeholder="Choose…",
            help=f.help or None,
        )
    if f.kind == "choice":
        return st.selectbox(
            label,
            f.choices,
            index=f.choices.index(value) if value in f.choices else None,
            format_func=lambda choice: choice_words(f.name, choice),
            key=key,
            placeholder="Choose…",
            help=f.help or None,
        )
    if f.kind == "long_text":
        return st.text_area(label, value=value or "", key=key, help=f.help or None, max_chars=f.limit, height=90)
    if f.kind in ("text", "unit"):
        return st.text_input(label, value=value or "", key=key, help=f.help or None, max_chars=f.limit)
    if f.kind == "date":
        return st.date_input(
            label,
            value=value,
            key=key,
            help=f.help or None,
            format="DD/MM/YYYY",
            min_value=dt.date(1990, 1, 1),
            max_value=dt.date(2100, 12, 31),
        )
    if f.kind == "whole":
        return st.number_input(
            label,
            value=None if value is None else int(value),
            step=1,
            key=key,
            help=f.help or None,
            min_value=None if f.low is None else int(f.low),
            max_value=None if f.high is None else int(f.high),
        )
    return st.number_input(
        label, value=None if value is None else float(value), key=key, help=f.help or None, format="%g"
    )


def record_fields(
    table: str,
    values: dict | None,
    *,
    key: str,
    skip: tuple[str, ...] = (),
    options: dict[str, dict] | None = None,
    columns: int = 2,
) -> dict:
    """Every field of a record kind (but ``skip``), laid out with long text full width and the short fields in
    ``columns`` columns; returns {field name: value typed}."""
    values = values or {}
    options = options or {}
    typed: dict = {}
    waiting: list[Field] = []  # short fields, laid out side by side until a long one comes

    def lay_out_waiting() -> None:
        grid = st.columns(columns) if len(waiting) > 1 else [st.container()]  # a field alone takes the width
        for number, f in enumerate(waiting):
            with grid[number % columns]:
                typed[f.name] = field_widget(f, values.get(f.name), key=f"{key}-{f.name}", options=options.get(f.name))
        waiting.clear()

    for f in RECORDS[table].fields:
        if f.name in skip:
            continue
        if f.kind in SHORT_KINDS or f.name in options:
            waiting.append(f)
            continue
        if waiting:
            lay_out_waiting()
        typed[f.name] = field_widget(f, values.get(f.name), key=f"{key}-{f.name}")
    if waiting:
        lay_out_waiting()
    return typed


def show_refusal(refused) -> None:
    """A refusal's problems, one per line, each actionable."""
    st.error("\n".join(f"- {problem}" for problem in refused.problems), icon=":material/error:")


def remember_opened(db, table: str, record_id: int) -> tuple[dict, str]:
    """The record as this editor opened it (kept until it is saved, so a colleague's later change is noticed) and
    the key its widgets live under (new after each save, so the form then shows the saved values)."""
    slot = f"opened:{table}:{record_id}"
    if slot not in st.session_state:
        st.session_state[slot] = opened_values(db.record(table, record_id), table)
        st.session_state[f"generation:{table}:{record_id}"] = (
            st.session_state.get(f"generation:{table}:{record_id}", 0) + 1
        )
    return st.session_state[slot], f"{table}-{record_id}-{st.session_state[f'generation:{table}:{record_id}']}"


def new_record_form(key: str) -> str:
    """The key of a form that adds a record, and the stem of its widgets' keys: ``key``, and a fresh one after each
    press that added a record (``added``), so the form is drawn blank and a second press cannot add the same record
    twice. A fresh key, not the old widgets' state deleted: a browser keeps what its widgets hold under a key it
    already knows, and would send the typed words back with the next press."""
    generation = st.session_state.get(f"generation:{key}", 0)
    form = f"{key}-{generation}" if generation else key
    if st.session_state.pop(f"added:{form}", False):
        st.session_state[f"generation:{key}"] = generation + 1
        form = f"{key}-{generation + 1}"
    return form


def added(form: str) -> None:
    """After the form ``form`` (the key ``new_record_form`` gave it) added its record: draw it blank next."""
    st.session_state[f"added:{form}"] = True


def forget_opened(table: str, record_id: int) -> None:
    """After a save: the next editor of the record opens on what was saved."""
    st.session_state.pop(f"opened:{table}:{record_id}", None)
