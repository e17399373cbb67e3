"""The app's named endpoints through gradio_client and MCP, its login, and its address."""

from __future__ import annotations

import pytest

from tests.conftest import run_async


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_ask_endpoint_returns_the_cli_json_shape(client):
    result = client.predict("How much of the Kursk territory had Russia regained?", 8, [], "", "",
                            api_name="/ask")
    assert set(result) >= {"question", "answer", "refused", "citations", "timings_ms"}
    assert result["refused"] is False and "86%" in result["answer"]
    citation = result["citations"][0]
    assert set(citation) == {"n", "doc_id", "source", "title", "date", "quote", "publisher", "url",
                             "start", "end", "score", "also_in"}


def test_retrieve_endpoint_returns_passages(client):
    result = client.predict("Gerasimov Kursk", 3, api_name="/retrieve")
    assert result["query"] == "Gerasimov Kursk" and len(result["passages"]) == 3
    assert all({"doc_id", "text", "start", "end", "score"} <= set(p) for p in result["passages"])


def test_endpoint_errors_are_clear(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict("", 8, [], "", "", api_name="/ask")


def test_only_the_api_endpoints_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/retrieve", "/articles", "/article"}


def test_articles_endpoint_lists_them_named_newest_first(client):
    listed = client.predict("", api_name="/articles")["articles"]
    seeds = [a for a in listed if not a["doc_id"].startswith("upload:")]  # other tests upload
    assert [a["doc_id"] for a in seeds] == ["001_ca5ecb444059c4d2", "000_99e8b240e118b51d"]
    assert [a["date"] for a in seeds] == ["2025-03-14", ""]
    assert all(a["name"] and a["doc_id"] not in a["name"] for a in listed)
    found = client.predict("Lukashenka", api_name="/articles")["articles"]
    assert [a["doc_id"] for a in found] == ["001_ca5ecb444059c4d2"]


def test_article_endpoint_gives_the_full_text(client):
    from gradio_client.exceptions import AppError

    article = client.predict("000_99e8b240e118b51d", api_name="/article")
    assert article["text"].startswith("Eeeeenteresting.") and article["words"] > 700
    with pytest.raises(AppError, match="No article 'nope'"):
        client.predict("nope", api_name="/article")


def test_remove_endpoint_refuses_unknown_articles_and_removes_nothing(app_url, client):
    import httpx

    reply = httpx.post(f"{app_url}/gradio_api/run/remove", json={"data": [["nope"]]}, timeout=60)
    assert "No article 'nope'" in reply.json()["error"]
    listed = {a["doc_id"] for a in client.predict("", api_name="/articles")["articles"]}
    assert {"001_ca5ecb444059c4d2", "000_99e8b240e118b51d"} <= listed


def test_mcp_server_lists_and_calls_the_tools(app_url):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def session_calls():
        async with streamable_http_client(f"{app_url}/gradio_api/mcp/") as (read, write, _), \
                ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            result = await session.call_tool(
                next(t.name for t in tools.tools if t.name.endswith("retrieve")),
                {"query": "Gerasimov Kursk", "k": 2})
            return [t.name for t in tools.tools], result

    names, result = run_async(session_calls())
    assert any(n.endswith("ask") for n in names) and any(n.endswith("retrieve") for n in names)
    assert any(n.endswith("articles") for n in names) and not any("remove" in n for n in names)
    assert len(names) == 4
    text = result.content[0].text
    assert not result.isError and "Gerasimov" in text and text.count("'doc_id'") + text.count('"doc_id"') == 2


def test_server_listens_on_loopback_only(app_url):
    import socket

    port = int(app_url.rsplit(":", 1)[1])
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)} - {"127.0.0.1"}
    for address in addresses:
        with socket.socket() as sock:
            sock.settimeout(1)
            assert sock.connect_ex((address, port)) != 0, f"reachable on {address}"


def test_ask_endpoint_filters_by_article_and_date(client):
    second = "001_ca5ecb444059c4d2"
    result = client.predict("What conditions did Putin set?", 8, [second], "", "", api_name="/ask")
    assert result["citations"] and {c["doc_id"] for c in result["citations"]} == {second}
    dated = client.predict("What conditions did Putin set?", 8, [], "2025-03-01", "2025-03-31",
                           api_name="/ask")
    assert {c["doc_id"] for c in dated["citations"]} == {second}  # the only dated article
    with pytest.raises(Exception, match="since 'last spring' is not a date") as error:
        client.predict("What conditions did Putin set?", 8, [], "last spring", "", api_name="/ask")
    assert "--since" not in str(error.value)  # the parameter sent, not the command line's flag
    with pytest.raises(Exception, match="as_of 'soon' is not a date") as error:
        client.predict("Who is Putin?", 5, "soon", api_name="/retrieve")
    assert "--as-of" not in str(error.value)
