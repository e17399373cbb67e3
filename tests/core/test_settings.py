"""One settings loader: defaults < environment < explicit values, and clear errors."""

import argparse
from pathlib import Path

import pytest

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import FLAGS, SERVE_FLAGS, Settings, add_flags, from_flags


def test_defaults_then_environment_then_explicit_values(monkeypatch):
    monkeypatch.delenv("NEWSDESK_HOME")
    assert Settings.load().home == Path(".newsdesk") and Settings.load().chunk_tokens == 128
    monkeypatch.setenv("NEWSDESK_HOME", "/srv/news")
    monkeypatch.setenv("NEWSDESK_CHUNK_TOKENS", "200")
    assert Settings.load().home == Path("/srv/news") and Settings.load().chunk_tokens == 200
    explicit = Settings.load(home="/tmp/x", chunk_tokens=None)  # None: not given
    assert explicit.home == Path("/tmp/x") and explicit.chunk_tokens == 200


def test_a_bad_value_names_the_setting_and_where_it_is_set(monkeypatch):
    monkeypatch.setenv("NEWSDESK_LLM_TIMEOUT", "soon")
    with pytest.raises(BadInputError, match=r"llm_timeout \(--llm-timeout or NEWSDESK_LLM_TIMEOUT\)"):
        Settings.load()
    monkeypatch.delenv("NEWSDESK_LLM_TIMEOUT")
    with pytest.raises(BadInputError, match="Unknown setting 'colour'"):
        Settings.load(colour="red")
    with pytest.raises(BadInputError, match="choose one of extractive, openai-like, ollama"):
        Settings.load(llm="gpt")
    with pytest.raises(BadInputError, match="needs a model name"):
        Settings.load(llm="ollama")


def test_flags_override_the_environment_and_absent_flags_do_not(monkeypatch):
    monkeypatch.setenv("NEWSDESK_PORT", "8000")
    monkeypatch.setenv("NEWSDESK_AUTH", "reader:s3cret")
    parser = argparse.ArgumentParser()
    add_flags(parser, SERVE_FLAGS)
    settings = from_flags(parser.parse_args(["--host", "0.0.0.0", "--no-mcp"]))
    assert (settings.host, settings.port, settings.mcp) == ("0.0.0.0", 8000, False)
    assert settings.auth.get_secret_value() == "reader:s3cret"
    assert "reader:s3cret" not in repr(settings)  # a secret is never printed
    assert from_flags(parser.parse_args(["--port", "9001"])).port == 9001


def test_every_flag_belongs_to_a_setting_and_the_api_key_has_none():
    assert set(FLAGS) <= set(Settings.model_fields)
    assert "llm_api_key" not in FLAGS  # a key on the command line shows in process lists


def test_but_checks_the_change():
    settings = Settings.load(home="/tmp/a")
    assert settings.but(chunk_tokens=64).chunk_tokens == 64 and settings.chunk_tokens == 128
    with pytest.raises(BadInputError, match="chunk_tokens"):
        settings.but(chunk_tokens=2)


def test_the_login_comes_from_the_environment_a_file_or_a_flag(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSDESK_AUTH", "reader:s3cret")
    assert Settings.load().login() == ("reader", "s3cret")
    monkeypatch.delenv("NEWSDESK_AUTH")
    login = tmp_path / "login.txt"
    login.write_text("editor:pa:ss\n")
    assert Settings.load(auth_file=login).login() == ("editor", "pa:ss")
    assert Settings.load().login() is None
    for problem, settings in (("not both", Settings.load(auth="a:b", auth_file=login)),
                              ("Cannot read the login file", Settings.load(auth_file=tmp_path / "no")),
                              ("must hold USER:PASSWORD", Settings.load(auth="reader"))):
        with pytest.raises(BadInputError, match=problem):
            settings.login()
    assert "--auth-file" in FLAGS["auth"][1]  # the flag's help says a flag shows in `ps`
