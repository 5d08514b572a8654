// SPDX-License-Identifier: MIT
// Who may restore with --history-restore host: the session's owner, proven by
// the token the server gave only to them, whatever the connection order.
// The real server executable on loopback, our real clients (CollabClient) and
// an original client as it behaves on the wire.
#include "CollabClient.h"
#include "HistoryRequest.h"
#include "OriginalClient.h"
#include "ServerProcess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using Optiverse::Collab::CollabClient;
using Optiverse::Collab::HistoryRequest;
using Optiverse::Collab::Message;

namespace {

QByteArray bytes(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray addLens(const QString &id, double x)
{
    // "item_uuid" in data, as our client sends it: original clients take the identity from there.
    const QJsonObject data{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0},
                           {QLatin1String("item_uuid"), id}};
    return bytes({{QLatin1String("type"), QLatin1String("command")},
                  {QLatin1String("command"), QJsonObject{{QLatin1String("action"), QLatin1String("add_item")},
                                                         {QLatin1String("item_id"), id},
                                                         {QLatin1String("item_type"), QLatin1String("lens")},
                                                         {QLatin1String("data"), data}}}});
}

/// Every user id in @p c's user list that it shows as the owner.
QStringList ownersSeenBy(const CollabClient &c)
{
    QStringList owners;
    for (const CollabClient::User &u : c.users())
        if (u.isOwner)
            owners.append(u.id);
    return owners;
}

} // namespace

class TestHistoryOwner : public QObject
{
    Q_OBJECT
    std::unique_ptr<ServerProcess> m_server;
    std::vector<std::unique_ptr<CollabClient>> m_clients;
    int m_requests = 0;

    bool startServer(const QStringList &extra = {})
    {
        m_server = std::make_unique<ServerProcess>();
        return m_server->start(QStringList{QStringLiteral("--history-restore"), QStringLiteral("host")} + extra);
    }
    /// A client of ours joining "lab" as @p name, presenting @p token if not empty.
    CollabClient *join(const QString &name, const QString &token = {})
    {
        m_clients.push_back(std::make_unique<CollabClient>());
        CollabClient *c = m_clients.back().get();
        c->setOwnerToken(token);
        c->connectToServer(m_server->url(), QStringLiteral("lab"), name);
        if (!QTest::qWaitFor([c] { return c->state() == CollabClient::State::Connected; }, 10000)) {
            qWarning() << name << "did not join:" << c->lastError();
            return nullptr;
        }
        return c;
    }
    /// Sends a history request of @p kind at @p seq from @p c; the reply's
    /// type ("history:done", "history:versions"…) or "error:<code>".
    QString ask(CollabClient *c, HistoryRequest::Kind kind, qint64 seq)
    {
        HistoryRequest request;
        request.kind = kind;
        request.seq = seq;
        request.name = QStringLiteral("v%1").arg(seq);
        request.requestId = QString::number(++m_requests);
        QString outcome;
        const auto ours = [&request](const QJsonObject &m) { return m.value(QLatin1String("request_id")).toString() == request.requestId; };
        QObject context;
        connect(c, &CollabClient::historyMessage, &context, [&](const QJsonObject &m) {
            if (ours(m))
                outcome = m.value(QLatin1String("type")).toString();
        });
        connect(c, &CollabClient::messageReceived, &context, [&](const Message &m) {
            if (m.type() == Message::Type::Error && ours(m.json()))
                outcome = QStringLiteral("error:") + m.json().value(QLatin1String("code")).toString();
        });
        if (!c->send(bytes(request.toJson())))
            return QStringLiteral("not sent");
        if (!QTest::qWaitFor([&outcome] { return !outcome.isEmpty(); }, 10000))
            return QStringLiteral("no reply");
        return outcome;
    }
    QString restore(CollabClient *c, qint64 seq) { return ask(c, HistoryRequest::Kind::Restore, seq); }
    /// Waits until @p c has seen the command of @p seq.
    static bool seen(CollabClient *c, qint64 seq)
    {
        qint64 last = -1;
        QObject context;
        connect(c, &CollabClient::messageReceived, &context, [&last](const Message &m) {
            if (m.type() == Message::Type::Command)
                last = qMax(last, m.seq());
        });
        return QTest::qWaitFor([&] { return last >= seq; }, 10000);
    }

private slots:
    void cleanup()
    {
        m_clients.clear();
        m_server.reset();
    }

    void reconnectOrderGivesNoOwnerRights()
    {
        QVERIFY(startServer());
        CollabClient *alice = join(QStringLiteral("alice"));
        QVERIFY(alice);
        // She created the session: she owns it, and only she got the token.
        const QString token = alice->ownerToken();
        QVERIFY(!token.isEmpty());
        QVERIFY(alice->isOwner());
        CollabClient *mallory = join(QStringLiteral("mallory"));
        QVERIFY(mallory);
        QVERIFY(mallory->ownerToken().isEmpty());
        QCOMPARE(ownersSeenBy(*mallory), QStringList{QStringLiteral("alice")});
        QVERIFY(alice->send(addLens(QStringLiteral("l1"), 10)));
        QVERIFY(seen(mallory, 1));
        QCOMPARE(restore(mallory, 0), QStringLiteral("error:history_forbidden"));

        // alice's connection blips; she comes back, without her token, after
        // mallory: mallory is the longest connected (the host) now.
        alice->disconnectFromServer();
        QTRY_COMPARE(mallory->users().size(), 1);
        QTRY_VERIFY(mallory->isHost());
        CollabClient *aliceAgain = join(QStringLiteral("alice"));
        QVERIFY(aliceAgain);
        QVERIFY(!aliceAgain->isOwner());
        QVERIFY(aliceAgain->ownerToken().isEmpty()); // the session has an owner: no new token
        QCOMPARE(restore(mallory, 0), QStringLiteral("error:history_forbidden"));
        QCOMPARE(restore(aliceAgain, 0), QStringLiteral("error:history_forbidden"));
        // Naming versions follows the same policy.
        QCOMPARE(ask(mallory, HistoryRequest::Kind::Name, 1), QStringLiteral("error:history_forbidden"));

        // A guessed token gives nothing either, and is logged once per name.
        CollabClient *guess = join(QStringLiteral("mallory"), QStringLiteral("bm90LXRoZS10b2tlbg"));
        QVERIFY(guess);
        QVERIFY(!guess->isOwner());
        QCOMPARE(restore(guess, 0), QStringLiteral("error:history_forbidden"));
        guess->disconnectFromServer();
        QVERIFY(join(QStringLiteral("mallory"), QStringLiteral("bm90LXRoZS10b2tlbg")));
        QTRY_COMPARE(m_server->logCount("presented an owner token that is not"), 1);

        // With her token alice is the owner again, second in line or not.
        CollabClient *owner = join(QStringLiteral("alice"), token);
        QVERIFY(owner);
        QVERIFY(owner->isOwner());
        QVERIFY(!owner->isHost());
        QTRY_COMPARE(ownersSeenBy(*mallory), QStringList{owner->userId()});
        QCOMPARE(restore(owner, 0), QStringLiteral("history:done"));
        QCOMPARE(restore(mallory, 1), QStringLiteral("error:history_forbidden"));
        // The secret never reaches the log.
        QVERIFY(!m_server->log().contains(token.toLatin1()));
    }

    void ownerSurvivesServerRestart()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QStringList durable{QStringLiteral("--data-dir"), dir.path()};
        QVERIFY(startServer(durable));
        CollabClient *alice = join(QStringLiteral("alice"));
        QVERIFY(alice);
        const QString token = alice->ownerToken();
        QVERIFY(!token.isEmpty());
        QVERIFY(alice->send(addLens(QStringLiteral("l1"), 10)));
        QVERIFY(seen(alice, 1));
        m_clients.clear();
        m_server->stop();
        // Only a hash of the token is on disk.
        QFile database(dir.filePath(QStringLiteral("optiverse-collab.sqlite")));
        QVERIFY(database.open(QIODevice::ReadOnly));
        QVERIFY(!database.readAll().contains(token.toLatin1()));

        QVERIFY(startServer(durable));
        CollabClient *mallory = join(QStringLiteral("mallory")); // first in the restarted server
        QVERIFY(mallory);
        QVERIFY(mallory->isHost());
        QVERIFY(!mallory->isOwner());
        QVERIFY(mallory->ownerToken().isEmpty());
        QCOMPARE(restore(mallory, 0), QStringLiteral("error:history_forbidden"));
        CollabClient *owner = join(QStringLiteral("alice"), token);
        QVERIFY(owner);
        QVERIFY(owner->isOwner());
        QCOMPARE(restore(owner, 0), QStringLiteral("history:done"));
        QCOMPARE(restore(mallory, 1), QStringLiteral("error:history_forbidden"));

        // A data dir copied with --salvage keeps the owner too.
        m_clients.clear();
        m_server->stop();
        const QString copy = dir.filePath(QStringLiteral("salvaged"));
        QByteArray printed;
        QCOMPARE(ServerProcess::runToExit({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--salvage"), copy},
                                          &printed), 0);
        QVERIFY2(printed.contains("session_owners: 1 row(s) copied"), printed.constData());
        QVERIFY(startServer({QStringLiteral("--data-dir"), copy}));
        CollabClient *first = join(QStringLiteral("mallory"));
        QVERIFY(first);
        QVERIFY(!first->isOwner());
        CollabClient *ownerAgain = join(QStringLiteral("alice"), token);
        QVERIFY(ownerAgain);
        QVERIFY(ownerAgain->isOwner());
    }

    void ownershipIsHandedOverExplicitly()
    {
        QVERIFY(startServer());
        CollabClient *alice = join(QStringLiteral("alice"));
        CollabClient *bob = join(QStringLiteral("bob"));
        CollabClient *carol = join(QStringLiteral("carol"));
        QVERIFY(alice && bob && carol);
        const QString oldToken = alice->ownerToken();
        QVERIFY(!oldToken.isEmpty());
        QVERIFY(alice->send(addLens(QStringLiteral("l1"), 10)));
        QVERIFY(seen(carol, 1));

        // Only the owner may hand it over.
        QSignalSpy refused(bob, &CollabClient::messageReceived);
        QVERIFY(bob->transferOwnership(QStringLiteral("carol")));
        QTRY_VERIFY(std::any_of(refused.cbegin(), refused.cend(), [](const QList<QVariant> &args) {
            const Message m = args.at(0).value<Message>();
            return m.type() == Message::Type::Error
                && m.json().value(QLatin1String("code")).toString() == QLatin1String("owner_forbidden");
        }));
        QCOMPARE(ownersSeenBy(*carol), QStringList{QStringLiteral("alice")});

        QList<QSignalSpy *> changed;
        for (CollabClient *c : {alice, bob, carol})
            changed.append(new QSignalSpy(c, &CollabClient::ownerChanged));
        QSignalSpy bobToken(bob, &CollabClient::ownerTokenChanged);
        QVERIFY(alice->transferOwnership(QStringLiteral("bob")));
        // Everyone was told; the new token went to bob only, alice's is void.
        for (QSignalSpy *spy : std::as_const(changed)) {
            QTRY_COMPARE(spy->size(), 1);
            QCOMPARE(spy->first().at(0).toString(), QStringLiteral("bob"));
        }
        qDeleteAll(changed);
        QCOMPARE(bobToken.size(), 1);
        const QString newToken = bob->ownerToken();
        QVERIFY(!newToken.isEmpty() && newToken != oldToken);
        QVERIFY(alice->ownerToken().isEmpty());
        QVERIFY(carol->ownerToken().isEmpty());
        for (CollabClient *c : {alice, bob, carol})
            QCOMPARE(ownersSeenBy(*c), QStringList{QStringLiteral("bob")});

        QCOMPARE(restore(alice, 0), QStringLiteral("error:history_forbidden"));
        QCOMPARE(restore(bob, 0), QStringLiteral("history:done"));
        // alice's old token no longer proves anything; bob's new one does.
        CollabClient *aliceWithOld = join(QStringLiteral("alice"), oldToken);
        QVERIFY(aliceWithOld);
        QVERIFY(!aliceWithOld->isOwner());
        QCOMPARE(restore(aliceWithOld, 1), QStringLiteral("error:history_forbidden"));
        bob->disconnectFromServer();
        CollabClient *bobAgain = join(QStringLiteral("bob"), newToken);
        QVERIFY(bobAgain);
        QVERIFY(bobAgain->isOwner());
        QCOMPARE(restore(bobAgain, 1), QStringLiteral("history:done"));
    }

    void originalClientsNeverSeeTheToken()
    {
        QVERIFY(startServer());
        // An original client creates the session: it could never prove
        // ownership again, so the session waits for a client that can.
        OriginalClient orig(QStringLiteral("orig"));
        orig.join(m_server->url(), QStringLiteral("lab"), OriginalClient::Role::Host);
        QVERIFY(orig.waitConnected());
        CollabClient *alice = join(QStringLiteral("alice"));
        QVERIFY(alice);
        const QString aliceToken = alice->ownerToken();
        QVERIFY(!aliceToken.isEmpty());
        QVERIFY(alice->isOwner());
        OriginalClient late(QStringLiteral("late"));
        late.join(m_server->url(), QStringLiteral("lab"), OriginalClient::Role::Client);
        QVERIFY(late.waitConnected());
        CollabClient *bob = join(QStringLiteral("bob"));
        QVERIFY(bob);
        QVERIFY(alice->transferOwnership(QStringLiteral("bob")));
        QTRY_VERIFY(bob->isOwner());
        // An original client cannot be handed ownership.
        QSignalSpy refused(bob, &CollabClient::messageReceived);
        QVERIFY(bob->transferOwnership(QStringLiteral("late")));
        QTRY_VERIFY(std::any_of(refused.cbegin(), refused.cend(), [](const QList<QVariant> &args) {
            return args.at(0).value<Message>().json().value(QLatin1String("code")).toString() == QLatin1String("owner_forbidden");
        }));

        // Both original clients keep syncing, both ways, as before.
        const QString fromOrig = orig.addItem(QStringLiteral("lens"), {{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 2.0}});
        QVERIFY(alice->send(addLens(QStringLiteral("from-alice"), 5)));
        for (OriginalClient *o : {&orig, &late})
            QTRY_VERIFY(o->copies(QStringLiteral("from-alice")) == 1 && o->copies(fromOrig) == 1);
        // Not a token, not a field of ours they could trip over, in anything they got.
        for (OriginalClient *o : {&orig, &late}) {
            for (const QJsonObject &m : std::as_const(o->received)) {
                const QByteArray text = bytes(m);
                QVERIFY2(!text.contains("owner_token"), text.constData());
                QVERIFY(!text.contains(aliceToken.toLatin1()) && !text.contains(bob->ownerToken().toLatin1()));
            }
        }
    }
};

QTEST_MAIN(TestHistoryOwner)
#include "tst_history_owner.moc"
