from tests.graphql_client import data, gql, register


async def test_register_and_me(client):
    account = await register(client, "a@example.com", "EMPLOYER", "Acme")
    me = data(
        await gql(client, "{ me { email roles organizations { name } } }", token=account.token)
    )
    assert me["me"] == {
        "email": "a@example.com",
        "roles": ["EMPLOYER"],
        "organizations": [{"name": "Acme"}],
    }
