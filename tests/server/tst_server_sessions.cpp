// SPDX-License-Identifier: MIT
// Sessions, identity, host role, ordering, state, resume and the original
// (capability-less) client behaviour of CollabServer.
#include "ColorSlot.h"
#include "ServerFixture.h"

#include <QJsonArray>
#include <QScopeGuard>
#include <QJsonDocument>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace TestSupport;
using Optiverse::Collab::ColorSlot;
using Optiverse::Collab::ServerConfig;

namespace {
QJsonObject pose(double x, double y, double a = 0)
{
    return {{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), y}, {QLatin1String("angle_deg"), a}};
}
// State items are flat, as the original Optiverse sends them: the
// properties plus "uuid" and "item_type".
QStringList itemIds(const QJsonObject &fullState)
{
    QStringList ids;
    for (const QJsonValue &v : fullState.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray())
        ids.append(v.toObject().value(QLatin1String("uuid")).toString());
    return ids;
}
/// Data that needs pages of its own in every table it is stored in, so that
/// a database that may not grow cannot store it (small rows may still fit
/// into the free space of pages it has).
QJsonObject bulky(double x)
{
    QJsonObject data = pose(x, 0);
    data.insert(QLatin1String("notes"), QString(6000, QLatin1Char('n')));
    return data;
}

// The server's log, as an operator would read it (the storage lines only).
QStringList s_storageLog;
QtMessageHandler s_previousHandler = nullptr;
void captureStorageLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (qstrcmp(context.category, "optiverse.server") == 0 && message.startsWith(QLatin1String("storage:"))) {
        s_storageLog.append(message);
        return;
    }
    s_previousHandler(type, context, message);
}
/// The item @p id of a sync:full_state as {item_type, data}.
QJsonObject itemOf(const QJsonObject &fullState, const QString &id)
{
    for (const QJsonValue &v : fullState.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray()) {
        QJsonObject data = v.toObject();
        if (data.value(QLatin1String("uuid")).toString() != id)
            continue;
        const QJsonValue type = data.take(QLatin1String("item_type"));
        data.remove(QLatin1String("uuid"));
        return {{QLatin1String("item_type"), type}, {QLatin1String("data"), data}};
    }
    return {};
}
} // namespace

class TestServerSessions : public QObject
{
    Q_OBJECT
    ServerFixture f;
    std::unique_ptr<QTemporaryDir> m_dataDir;

    /// Restarts the server with @p config storing sessions in a fresh data
    /// dir; @p config keeps it for later restarts.
    bool startDurable(ServerConfig *config)
    {
        f.stop();
        m_dataDir = std::make_unique<QTemporaryDir>();
        config->dataDir = m_dataDir->path();
        return m_dataDir->isValid() && f.start(*config);
    }

private slots:
    void init() { QVERIFY(f.start()); }
    void cleanup() { f.stop(); }

    void ackAndCapabilitiesHeader()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("alice"));
        QVERIFY(a);
        const QJsonObject ack = a->ack();
        QCOMPARE(ack.value(QLatin1String("session_id")).toString(), QStringLiteral("s"));
        QCOMPARE(ack.value(QLatin1String("user_id")).toString(), QStringLiteral("alice"));
        QCOMPARE(ack.value(QLatin1String("display_name")).toString(), QStringLiteral("alice"));
        QVERIFY(ack.value(QLatin1String("is_host")).toBool());
        QCOMPARE(ack.value(QLatin1String("seq")).toInteger(-1), 0);
        QVERIFY(ack.value(QLatin1String("capabilities")).toArray().contains(QStringLiteral("seq")));
        QCOMPARE(ack.value(QLatin1String("users")).toArray().size(), 1);
        // Qt 6.4 exposes the handshake's raw headers on the server side: a
        // client that declares "seq" gets its own command echoed.
        a->send(command(QStringLiteral("add_item"), QStringLiteral("i1"), pose(1, 2), QStringLiteral("lens"), 7));
        QVERIFY(a->waitFor(QStringLiteral("command")));
        const QJsonObject echo = a->last(QStringLiteral("command"));
        QCOMPARE(echo.value(QLatin1String("seq")).toInteger(), 1);
        QCOMPARE(echo.value(QLatin1String("client_seq")).toInteger(), 7);
        QCOMPARE(echo.value(QLatin1String("user_id")).toString(), QStringLiteral("alice")); // overwritten
        QCOMPARE(f.server->connectionCount(), 1);
        QCOMPARE(f.server->sessionCount(), 1);
    }

    void sessionIsolation()
    {
        Client *a1 = f.join(QStringLiteral("one"), QStringLiteral("a"));
        Client *a2 = f.join(QStringLiteral("one"), QStringLiteral("b"));
        Client *b1 = f.join(QStringLiteral("two"), QStringLiteral("c"));
        QVERIFY(a1 && a2 && b1);
        QVERIFY(b1->ack().value(QLatin1String("is_host")).toBool()); // own session, own host
        QCOMPARE(b1->ack().value(QLatin1String("users")).toArray().size(), 1);
        a1->send(command(QStringLiteral("add_item"), QStringLiteral("x"), pose(0, 0)));
        b1->send(command(QStringLiteral("add_item"), QStringLiteral("y"), pose(0, 0)));
        QVERIFY(a2->waitFor(QStringLiteral("command")));
        QVERIFY(b1->waitFor(QStringLiteral("command")));
        // Round trip to be sure nothing else is in flight.
        a2->send(QJsonObject{{QLatin1String("type"), QLatin1String("ping")}});
        b1->send(QJsonObject{{QLatin1String("type"), QLatin1String("ping")}});
        QVERIFY(a2->waitFor(QStringLiteral("pong")));
        QVERIFY(b1->waitFor(QStringLiteral("pong")));
        QCOMPARE(a2->count(QStringLiteral("command")), 1);
        QCOMPARE(a2->last(QStringLiteral("command")).value(QLatin1String("command")).toObject()
                     .value(QLatin1String("item_id")).toString(), QStringLiteral("x"));
        QCOMPARE(b1->count(QStringLiteral("command")), 1); // its own echo only
        QCOMPARE(b1->count(QStringLiteral("user:joined")), 0);
        QCOMPARE(a1->count(QStringLiteral("user:joined")), 1);
        // Each session has its own sequence and state.
        QCOMPARE(b1->last(QStringLiteral("command")).value(QLatin1String("seq")).toInteger(), 1);
        b1->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        QVERIFY(b1->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemIds(b1->last(QStringLiteral("sync:full_state"))), QStringList{QStringLiteral("y")});
        QCOMPARE(f.server->sessionCount(), 2);
    }

    void duplicateNames()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("bob"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("bob"));
        Client *c = f.join(QStringLiteral("s"), QStringLiteral("bob"));
        QVERIFY(a && b && c);
        QCOMPARE(a->userId(), QStringLiteral("bob"));
        QCOMPARE(b->userId(), QStringLiteral("bob-2"));
        QCOMPARE(c->userId(), QStringLiteral("bob-3"));
        QCOMPARE(b->ack().value(QLatin1String("display_name")).toString(), QStringLiteral("bob"));
        // In the user list a display name is given where it differs from the id.
        const QJsonArray users = c->ack().value(QLatin1String("users")).toArray();
        QCOMPARE(users.size(), 3);
        QCOMPARE(users.at(0).toObject().value(QLatin1String("display_name")).toString(QStringLiteral("bob")), QStringLiteral("bob"));
        QCOMPARE(users.at(1).toObject().value(QLatin1String("user_id")).toString(), QStringLiteral("bob-2"));
        QCOMPARE(users.at(1).toObject().value(QLatin1String("display_name")).toString(), QStringLiteral("bob"));
        QVERIFY(users.at(0).toObject().value(QLatin1String("is_host")).toBool());
        QVERIFY(!users.at(1).toObject().value(QLatin1String("is_host")).toBool());
        QVERIFY(a->waitFor(QStringLiteral("user:joined"), 2));
        QCOMPARE(a->ofType(QStringLiteral("user:joined")).at(0).value(QLatin1String("user_id")).toString(),
                 QStringLiteral("bob-2"));
        c->send(command(QStringLiteral("add_item"), QStringLiteral("i"), pose(1, 1)));
        QVERIFY(a->waitFor(QStringLiteral("command")));
        QVERIFY(b->waitFor(QStringLiteral("command")));
        QCOMPARE(a->last(QStringLiteral("command")).value(QLatin1String("user_id")).toString(), QStringLiteral("bob-3"));
        // After bob leaves, a new "bob" gets the free name again.
        a->socket.close();
        QVERIFY(b->waitFor(QStringLiteral("user:left")));
        Client *d = f.join(QStringLiteral("s"), QStringLiteral("bob"));
        QVERIFY(d);
        QCOMPARE(d->userId(), QStringLiteral("bob"));
    }

    void relayStampsSeqAndTrueSender()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("ann"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("ben"));
        QVERIFY(a && b);
        // As a client that names itself writes it (odd spacing, non-ASCII
        // text, a field this server does not know): relayed with its
        // content intact and the server's seq added.
        const QString sent = QStringLiteral(
            "{ \"type\": \"command\", \"user_id\": \"ann\", \"x_future\": [1, {\"k\": null}],\n"
            "  \"command\": {\"action\": \"add_item\", \"item_type\": \"text\", \"item_id\": \"t1\",\n"
            "  \"data\": {\"x_mm\": 1.5, \"y_mm\": -2, \"angle_deg\": 0, \"text\": \"λ/4 — Ø25 mm ✓\"}} }\n");
        a->sendText(sent);
        QVERIFY(b->waitFor(QStringLiteral("command")));
        QJsonObject expected = QJsonDocument::fromJson(sent.toUtf8()).object();
        const QJsonObject got = b->last(QStringLiteral("command"));
        QVERIFY(got.value(QLatin1String("seq")).toInteger() > 0);
        expected.insert(QLatin1String("seq"), got.value(QLatin1String("seq")));
        QCOMPARE(got, expected);

        // A sender claiming someone else's name or a seq of its own: both are the server's.
        QJsonObject forged = command(QStringLiteral("add_item"), QStringLiteral("t2"), pose(0, 0));
        forged.insert(QLatin1String("user_id"), QStringLiteral("ben"));
        forged.insert(QLatin1String("seq"), 999999);
        a->send(forged);
        QVERIFY(b->waitFor(QStringLiteral("command"), 2));
        const QJsonObject relayed = b->last(QStringLiteral("command"));
        QCOMPARE(relayed.value(QLatin1String("user_id")).toString(), QStringLiteral("ann"));
        QCOMPARE(relayed.value(QLatin1String("seq")).toInteger(), got.value(QLatin1String("seq")).toInteger() + 1);
    }

    void colourSlotsFollowTheUserId()
    {
        // Each user's slot is the one their id prefers (ann 9, ben 3, cat 5:
        // a stable hash, the same on any server and in any join order).
        QCOMPARE(ColorSlot::preferred(QStringLiteral("ann")), 9);
        QCOMPARE(ColorSlot::preferred(QStringLiteral("ben")), 3);
        QCOMPARE(ColorSlot::preferred(QStringLiteral("cat")), 5);
        QCOMPARE(ColorSlot::preferred(QStringLiteral("dan")), 4);
        QCOMPARE(ColorSlot::preferred(QStringLiteral("eve")), 4);
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("ann"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("ben"));
        Client *c = f.join(QStringLiteral("s"), QStringLiteral("cat"));
        QVERIFY(a && b && c);
        const auto slotOf = [](const QJsonObject &ack, const QString &user) {
            for (const QJsonValue &u : ack.value(QLatin1String("users")).toArray())
                if (u.toObject().value(QLatin1String("user_id")).toString() == user)
                    return u.toObject().value(QLatin1String("color_index")).toInt(-1);
            return -2;
        };
        QCOMPARE(slotOf(c->ack(), QStringLiteral("ann")), 9);
        QCOMPARE(slotOf(c->ack(), QStringLiteral("ben")), 3);
        QCOMPARE(slotOf(c->ack(), QStringLiteral("cat")), 5);
        QVERIFY(a->waitFor(QStringLiteral("user:joined"), 2));
        QCOMPARE(a->ofType(QStringLiteral("user:joined")).at(1).value(QLatin1String("color_index")).toInt(-1), 5);

        // ben leaves: his slot stays his. dan gets his own; eve, whose slot
        // dan holds, the next one nobody present or absent holds (not cat's 5).
        b->socket.close();
        QVERIFY(a->waitFor(QStringLiteral("user:left")));
        Client *d = f.join(QStringLiteral("s"), QStringLiteral("dan"));
        Client *e = f.join(QStringLiteral("s"), QStringLiteral("eve"));
        QVERIFY(d && e);
        QCOMPARE(slotOf(e->ack(), QStringLiteral("dan")), 4);
        QCOMPARE(slotOf(e->ack(), QStringLiteral("eve")), 6);
        QCOMPARE(slotOf(e->ack(), QStringLiteral("ann")), 9);
        QCOMPARE(slotOf(e->ack(), QStringLiteral("cat")), 5);
        // ben back: his colour again.
        Client *b2 = f.join(QStringLiteral("s"), QStringLiteral("ben"));
        QVERIFY(b2);
        QCOMPARE(slotOf(b2->ack(), QStringLiteral("ben")), 3);
        // Slots are per session: alone elsewhere, eve has her own.
        Client *other = f.join(QStringLiteral("other"), QStringLiteral("eve"));
        QVERIFY(other);
        QCOMPARE(slotOf(other->ack(), QStringLiteral("eve")), 4);
    }

    void hostHandOver()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        Client *c = f.join(QStringLiteral("s"), QStringLiteral("c"));
        QVERIFY(a && b && c);
        QVERIFY(a->ack().value(QLatin1String("is_host")).toBool());
        QVERIFY(!b->ack().value(QLatin1String("is_host")).toBool());
        a->socket.close();
        QVERIFY(c->waitFor(QStringLiteral("host:changed")));
        QVERIFY(b->waitFor(QStringLiteral("host:changed")));
        QCOMPARE(c->last(QStringLiteral("host:changed")).value(QLatin1String("user_id")).toString(), QStringLiteral("b"));
        QCOMPARE(c->last(QStringLiteral("user:left")).value(QLatin1String("user_id")).toString(), QStringLiteral("a"));
        Client *d = f.join(QStringLiteral("s"), QStringLiteral("d"));
        QVERIFY(d);
        const QJsonArray users = d->ack().value(QLatin1String("users")).toArray();
        QCOMPARE(users.size(), 3);
        for (const QJsonValue &u : users) {
            QCOMPARE(u.toObject().value(QLatin1String("is_host")).toBool(),
                     u.toObject().value(QLatin1String("user_id")).toString() == QLatin1String("b"));
        }
    }

    void lateJoinAfterEveryoneLeft()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("i1"), pose(1, 2)));
        a->send(command(QStringLiteral("add_item"), QStringLiteral("i2"), pose(3, 4)));
        a->send(command(QStringLiteral("move_item"), QStringLiteral("i1"), pose(10, 20, 45)));
        QVERIFY(a->waitFor(QStringLiteral("command"), 3));
        a->socket.close();
        QTRY_COMPARE(f.server->connectionCount(), 0);

        // Capable: nothing pushed, asks with sync:request.
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(b);
        QVERIFY(b->ack().value(QLatin1String("is_host")).toBool());
        QCOMPARE(b->ack().value(QLatin1String("seq")).toInteger(), 3);
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("ping")}});
        QVERIFY(b->waitFor(QStringLiteral("pong")));
        QCOMPARE(b->count(QStringLiteral("sync:full_state")), 0);
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        QVERIFY(b->waitFor(QStringLiteral("sync:full_state")));
        const QJsonObject state = b->last(QStringLiteral("sync:full_state"));
        QCOMPARE(itemIds(state), (QStringList{QStringLiteral("i1"), QStringLiteral("i2")}));
        QCOMPARE(state.value(QLatin1String("seq")).toInteger(), 3);
        QCOMPARE(state.value(QLatin1String("state")).toObject().value(QLatin1String("version")).toInteger(), 3);
        const QJsonObject i1 = itemOf(state, QStringLiteral("i1"));
        QCOMPARE(i1.value(QLatin1String("item_type")).toString(), QStringLiteral("lens"));
        QCOMPARE(i1.value(QLatin1String("data")).toObject(), pose(10, 20, 45));
        b->socket.close();
        QTRY_COMPARE(f.server->connectionCount(), 0);

        // Original: the state is pushed right after the ack.
        Client *c = f.joinOriginal(QStringLiteral("s"), QStringLiteral("c"));
        QVERIFY(c);
        QVERIFY(c->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(c->messages.at(0).value(QLatin1String("type")).toString(), QStringLiteral("connection:ack"));
        QCOMPARE(c->messages.at(1).value(QLatin1String("type")).toString(), QStringLiteral("sync:full_state"));
        QCOMPARE(itemIds(c->messages.at(1)), (QStringList{QStringLiteral("i1"), QStringLiteral("i2")}));
        QVERIFY(c->messages.at(1).value(QLatin1String("from_server")).toBool());
    }

    void oneOrderUnderConcurrentSenders()
    {
        constexpr int Clients = 4;
        constexpr int PerClient = 50;
        QList<Client *> cs;
        for (int i = 0; i < Clients; ++i) {
            Client *c = f.join(QStringLiteral("s"), QStringLiteral("u%1").arg(i));
            QVERIFY(c);
            cs.append(c);
        }
        for (int n = 0; n < PerClient; ++n) {
            for (int i = 0; i < Clients; ++i)
                cs[i]->send(command(QStringLiteral("add_item"), QStringLiteral("u%1-%2").arg(i).arg(n), pose(n, i)));
        }
        for (Client *c : cs)
            QVERIFY(c->waitFor(QStringLiteral("command"), Clients * PerClient, 15000));
        const QList<qint64> reference = cs[0]->commandSeqs();
        QCOMPARE(reference.size(), Clients * PerClient);
        for (int k = 0; k < reference.size(); ++k)
            QCOMPARE(reference[k], qint64(k + 1)); // strictly increasing, gap-free
        QList<QString> order;
        for (const QJsonObject &m : cs[0]->ofType(QStringLiteral("command")))
            order.append(m.value(QLatin1String("command")).toObject().value(QLatin1String("item_id")).toString());
        for (Client *c : cs) {
            QCOMPARE(c->commandSeqs(), reference);
            QList<QString> o;
            for (const QJsonObject &m : c->ofType(QStringLiteral("command")))
                o.append(m.value(QLatin1String("command")).toObject().value(QLatin1String("item_id")).toString());
            QCOMPARE(o, order);
        }
    }

    void stateRules()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(a && b);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("i"), pose(1, 1), QStringLiteral("lens"), 1));
        QVERIFY(b->waitFor(QStringLiteral("command")));
        // Adding an existing id: rejected, not relayed.
        b->send(command(QStringLiteral("add_item"), QStringLiteral("i"), pose(9, 9), QStringLiteral("lens"), 5));
        QVERIFY(b->waitFor(QStringLiteral("command:rejected")));
        QCOMPARE(b->last(QStringLiteral("command:rejected")).value(QLatin1String("client_seq")).toInteger(), 5);
        QCOMPARE(b->last(QStringLiteral("command:rejected")).value(QLatin1String("item_id")).toString(), QStringLiteral("i"));
        // A removal beats concurrent moves: a move that arrives after the
        // removal is rejected and nothing comes back to life.
        a->send(command(QStringLiteral("remove_item"), QStringLiteral("i"), {}, QStringLiteral("lens"), 2));
        QVERIFY(b->waitFor(QStringLiteral("command"), 2));
        b->send(command(QStringLiteral("move_item"), QStringLiteral("i"), pose(5, 5), QStringLiteral("lens"), 6));
        b->send(command(QStringLiteral("update_item"), QStringLiteral("i"), pose(5, 5), QStringLiteral("lens"), 7));
        QVERIFY(b->waitFor(QStringLiteral("command:rejected"), 3));
        QCOMPARE(b->last(QStringLiteral("command:rejected")).value(QLatin1String("reason")).toString(),
                 QStringLiteral("item_removed"));
        // An edit of an item the session never had, without the whole item: refused.
        b->send(command(QStringLiteral("move_item"), QStringLiteral("never"), {{QLatin1String("x_mm"), 1}},
                        QStringLiteral("lens"), 8));
        QVERIFY(b->waitFor(QStringLiteral("command:rejected"), 4));
        QCOMPARE(b->last(QStringLiteral("command:rejected")).value(QLatin1String("reason")).toString(),
                 QStringLiteral("item_not_found"));
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        QVERIFY(b->waitFor(QStringLiteral("sync:full_state")));
        QVERIFY(itemIds(b->last(QStringLiteral("sync:full_state"))).isEmpty());
        // The move was never relayed to a.
        for (const QJsonObject &m : a->ofType(QStringLiteral("command")))
            QVERIFY(m.value(QLatin1String("command")).toObject().value(QLatin1String("action")).toString()
                    != QLatin1String("move_item"));
    }

    void updateMergesPerKey()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("i"),
                        {{QLatin1String("x_mm"), 1}, {QLatin1String("focal_mm"), 50}, {QLatin1String("name"), QLatin1String("L1")}}));
        QJsonObject upd = command(QStringLiteral("update_item"), QStringLiteral("i"),
                                  {{QLatin1String("focal_mm"), 100}, {QLatin1String("x_mm"), 555}});
        QJsonObject cmd = upd.value(QLatin1String("command")).toObject();
        cmd.insert(QLatin1String("changed_keys"), QJsonArray{QStringLiteral("focal_mm")});
        upd.insert(QLatin1String("command"), cmd);
        a->send(upd);
        a->send(command(QStringLiteral("update_item"), QStringLiteral("i"), {{QLatin1String("name"), QLatin1String("L2")}}));
        QVERIFY(a->waitFor(QStringLiteral("command"), 3));
        a->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        QVERIFY(a->waitFor(QStringLiteral("sync:full_state")));
        const QJsonObject data = itemOf(a->last(QStringLiteral("sync:full_state")), QStringLiteral("i"))
                                     .value(QLatin1String("data")).toObject();
        QCOMPARE(data.value(QLatin1String("x_mm")).toDouble(), 1.0);
        QCOMPARE(data.value(QLatin1String("focal_mm")).toDouble(), 100.0);
        QCOMPARE(data.value(QLatin1String("name")).toString(), QStringLiteral("L2"));
    }

    void resumeFromSeq()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        for (int i = 0; i < 10; ++i)
            a->send(command(QStringLiteral("add_item"), QStringLiteral("i%1").arg(i), pose(i, i)));
        QVERIFY(a->waitFor(QStringLiteral("command"), 10));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(b);
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 6}});
        QVERIFY(b->waitFor(QStringLiteral("sync:caught_up")));
        QCOMPARE(b->commandSeqs(), (QList<qint64>{7, 8, 9, 10}));
        QCOMPARE(b->last(QStringLiteral("sync:caught_up")).value(QLatin1String("seq")).toInteger(), 10);
        // The caught_up comes after the replayed commands.
        QCOMPARE(b->messages.last().value(QLatin1String("type")).toString(), QStringLiteral("sync:caught_up"));
        // Up to date already: just caught_up.
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 10}});
        QVERIFY(b->waitFor(QStringLiteral("sync:caught_up"), 2));
        QCOMPARE(b->count(QStringLiteral("command")), 4);
        // Ahead of the server (e.g. another server): full state.
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 99}});
        QVERIFY(b->waitFor(QStringLiteral("sync:full_state")));
    }

    void resumeTooFarBehind()
    {
        f.stop();
        ServerConfig config;
        config.historyLength = 5;
        QVERIFY(f.start(config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        for (int i = 0; i < 12; ++i)
            a->send(command(QStringLiteral("add_item"), QStringLiteral("i%1").arg(i, 2, 10, QLatin1Char('0')), pose(i, i)));
        QVERIFY(a->waitFor(QStringLiteral("command"), 12));
        a->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 3}});
        QVERIFY(a->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(a->count(QStringLiteral("sync:caught_up")), 0);
        const QJsonObject state = a->last(QStringLiteral("sync:full_state"));
        QCOMPARE(state.value(QLatin1String("seq")).toInteger(), 12);
        QCOMPARE(itemIds(state).size(), 12);
        QCOMPARE(itemIds(state).first(), QStringLiteral("i00")); // sorted
        // Just inside the window: replay.
        a->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 7}});
        QVERIFY(a->waitFor(QStringLiteral("sync:caught_up")));
        QCOMPARE(a->count(QStringLiteral("command")), 12 + 5);
    }

    void fullStatePush()
    {
        Client *host = f.join(QStringLiteral("s"), QStringLiteral("host"));
        Client *other = f.join(QStringLiteral("s"), QStringLiteral("other"), QByteArray());
        QVERIFY(host && other);
        const QJsonObject push{
            {QLatin1String("type"), QLatin1String("sync:full_state")},
            {QLatin1String("state"),
             QJsonObject{{QLatin1String("items"),
                          QJsonArray{QJsonObject{{QLatin1String("item_id"), QLatin1String("p1")},
                                                 {QLatin1String("item_type"), QLatin1String("mirror")},
                                                 {QLatin1String("data"), pose(1, 1)}}}},
                         {QLatin1String("version"), 0}}}};
        host->send(push);
        QVERIFY(host->waitFor(QStringLiteral("sync:caught_up")));
        QCOMPARE(host->last(QStringLiteral("sync:caught_up")).value(QLatin1String("seq")).toInteger(), 1);
        QVERIFY(other->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemIds(other->last(QStringLiteral("sync:full_state"))), QStringList{QStringLiteral("p1")});
        QCOMPARE(other->last(QStringLiteral("sync:full_state")).value(QLatin1String("state")).toObject()
                     .value(QLatin1String("version")).toInteger(), 1);
        // A push is merged, never replaces: an empty one (as an original
        // client sends when its canvas is empty) wipes nothing, and its
        // sender gets the session's scene back.
        other->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:full_state")},
                                {QLatin1String("state"), QJsonObject{{QLatin1String("items"), QJsonArray()}}}});
        QVERIFY(other->waitFor(QStringLiteral("sync:full_state"), 2));
        QCOMPARE(itemIds(other->last(QStringLiteral("sync:full_state"))), QStringList{QStringLiteral("p1")});
        QCOMPARE(host->count(QStringLiteral("sync:full_state")), 0); // nothing changed for the others
        // History was cleared by the merge that changed the scene: resume falls back to full state.
        host->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 0}});
        QVERIFY(host->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemOf(host->last(QStringLiteral("sync:full_state")), QStringLiteral("p1"))
                     .value(QLatin1String("data")).toObject(), pose(1, 1));
    }

    void presenceRelay()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        Client *seqOnly = f.join(QStringLiteral("s"), QStringLiteral("c"), QByteArrayLiteral("seq"));
        Client *orig = f.joinOriginal(QStringLiteral("s"), QStringLiteral("d"));
        QVERIFY(a && b && seqOnly && orig);
        a->send(QJsonObject{{QLatin1String("type"), QLatin1String("presence")},
                            {QLatin1String("user_id"), QLatin1String("mallory")},
                            {QLatin1String("pointer"), QJsonObject{{QLatin1String("x_mm"), 1}, {QLatin1String("y_mm"), 2}}},
                            {QLatin1String("selection"), QJsonArray{QStringLiteral("i1")}}});
        QVERIFY(b->waitFor(QStringLiteral("presence")));
        QCOMPARE(b->last(QStringLiteral("presence")).value(QLatin1String("user_id")).toString(), QStringLiteral("a"));
        QVERIFY(!b->last(QStringLiteral("presence")).contains(QLatin1String("seq")));
        for (Client *c : {seqOnly, orig, a}) {
            c->send(QJsonObject{{QLatin1String("type"), QLatin1String("ping")}});
            QVERIFY(c->waitFor(QStringLiteral("pong")));
            QCOMPARE(c->count(QStringLiteral("presence")), 0);
        }
    }

    void presenceAwarenessFieldsAreRelayedAndChecked()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(a && b);
        const QJsonObject view{{QLatin1String("x_mm"), -10}, {QLatin1String("y_mm"), 5},
                               {QLatin1String("w_mm"), 300}, {QLatin1String("h_mm"), 200}};
        a->send(QJsonObject{{QLatin1String("type"), QLatin1String("presence")},
                            {QLatin1String("editing"), QJsonArray{QStringLiteral("i1")}},
                            {QLatin1String("view"), view},
                            {QLatin1String("following"), QLatin1String("b")}});
        QVERIFY(b->waitFor(QStringLiteral("presence")));
        const QJsonObject relayed = b->last(QStringLiteral("presence"));
        QCOMPARE(relayed.value(QLatin1String("editing")).toArray(), QJsonArray{QStringLiteral("i1")});
        QCOMPARE(relayed.value(QLatin1String("view")).toObject(), view);
        QCOMPARE(relayed.value(QLatin1String("following")).toString(), QStringLiteral("b"));

        // Each malformed field: an error to the sender, nothing relayed.
        QJsonArray tooMany;
        for (int i = 0; i <= 1000; ++i)
            tooMany.append(QStringLiteral("i%1").arg(i));
        QJsonObject empty = view;
        empty.insert(QLatin1String("w_mm"), 0);
        const QList<QPair<QString, QJsonValue>> bad{{QStringLiteral("editing"), QStringLiteral("i1")},
                                                    {QStringLiteral("editing"), tooMany},
                                                    {QStringLiteral("editing"), QJsonArray{1}},
                                                    {QStringLiteral("view"), empty},
                                                    {QStringLiteral("view"), QJsonObject{{QLatin1String("x_mm"), 1}}},
                                                    {QStringLiteral("following"), 7}};
        for (const auto &[field, value] : bad) {
            const int errors = a->count(QStringLiteral("error"));
            a->send(QJsonObject{{QLatin1String("type"), QLatin1String("presence")}, {field, value}});
            QTRY_COMPARE(a->count(QStringLiteral("error")), errors + 1);
            QVERIFY2(a->last(QStringLiteral("error")).value(QLatin1String("message")).toString().contains(field),
                     qPrintable(field));
        }
        // b got none of them: a ping from a now arrives after anything a sent.
        const int presences = b->count(QStringLiteral("presence"));
        a->send(QJsonObject{{QLatin1String("type"), QLatin1String("presence")}});
        QTRY_COMPARE(b->count(QStringLiteral("presence")), presences + 1);
        QVERIFY(!b->last(QStringLiteral("presence")).contains(QLatin1String("editing")));
    }

    void originalClientLegacyBehaviour()
    {
        Client *o = f.joinOriginal(QStringLiteral("s"), QStringLiteral("orig"));
        Client *n = f.join(QStringLiteral("s"), QStringLiteral("new"));
        QVERIFY(o && n);
        QVERIFY(o->ack().value(QLatin1String("is_host")).toBool());
        QVERIFY(o->ack().value(QLatin1String("users")).isArray());
        QVERIFY(o->waitFor(QStringLiteral("user:joined")));
        QCOMPARE(o->last(QStringLiteral("user:joined")).value(QLatin1String("user_id")).toString(), QStringLiteral("new"));
        // Legacy command: relayed to others (shape kept, extra fields only), never echoed.
        QJsonObject legacy = command(QStringLiteral("add_item"), QStringLiteral("uuid-1"), pose(1, 2));
        legacy.insert(QLatin1String("user_id"), QLatin1String("orig"));
        o->send(legacy);
        QVERIFY(n->waitFor(QStringLiteral("command")));
        const QJsonObject relayed = n->last(QStringLiteral("command"));
        QCOMPARE(relayed.value(QLatin1String("command")).toObject(), legacy.value(QLatin1String("command")).toObject());
        QCOMPARE(relayed.value(QLatin1String("timestamp")), legacy.value(QLatin1String("timestamp")));
        QCOMPARE(relayed.value(QLatin1String("user_id")).toString(), QStringLiteral("orig"));
        // sync:request (original shape, with local_version) -> full state.
        o->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")},
                            {QLatin1String("local_version"), 3},
                            {QLatin1String("timestamp"), QLatin1String("2025-10-28T12:34:56")}});
        QVERIFY(o->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemIds(o->last(QStringLiteral("sync:full_state"))), QStringList{QStringLiteral("uuid-1")});
        QCOMPARE(o->count(QStringLiteral("command")), 0);
        // A rejected command gives an original client an error, not command:rejected.
        o->send(command(QStringLiteral("remove_item"), QStringLiteral("missing"), {}));
        QVERIFY(o->waitFor(QStringLiteral("error")));
        QCOMPARE(o->last(QStringLiteral("error")).value(QLatin1String("code")).toString(), QStringLiteral("command_rejected"));
        QCOMPARE(o->count(QStringLiteral("command:rejected")), 0);
        // Commands from capable clients reach the original one.
        n->send(command(QStringLiteral("move_item"), QStringLiteral("uuid-1"), pose(5, 6)));
        QVERIFY(o->waitFor(QStringLiteral("command")));
        o->send(QJsonObject{{QLatin1String("type"), QLatin1String("ping")}});
        QVERIFY(o->waitFor(QStringLiteral("pong")));
        QCOMPARE(o->count(QStringLiteral("command")), 1);
        n->socket.close();
        QVERIFY(o->waitFor(QStringLiteral("user:left")));
    }

    void idleSessionUnloadedAndReloaded()
    {
        ServerConfig config;
        config.idleUnloadMs = 100;
        QVERIFY(startDurable(&config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("kept"), pose(7, 8)));
        QVERIFY(a->waitFor(QStringLiteral("command")));
        QCOMPARE(f.server->sessionCount(), 1);
        a->socket.close();
        QTRY_COMPARE(f.server->sessionCount(), 0); // unloaded from memory
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(b);
        QCOMPARE(b->ack().value(QLatin1String("seq")).toInteger(), 1);
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        QVERIFY(b->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemOf(b->last(QStringLiteral("sync:full_state")), QStringLiteral("kept"))
                     .value(QLatin1String("data")).toObject(), pose(7, 8));
        // A second server instance in the same process uses its own connection.
        Optiverse::Collab::CollabServer second(config);
        QString error;
        QVERIFY2(second.listen(QHostAddress(QHostAddress::LocalHost), 0, &error), qPrintable(error));
    }

    void resumeAfterRestartReplaysFromDisk()
    {
        // With --data-dir the commands kept for resume survive a restart: a
        // client that was away gets what it missed, not the whole state.
        ServerConfig config;
        config.historyLength = 5;
        QVERIFY(startDurable(&config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        for (int i = 0; i < 8; ++i)
            a->send(command(QStringLiteral("add_item"), QStringLiteral("i%1").arg(i), pose(i, i)));
        QVERIFY(a->waitFor(QStringLiteral("command"), 8));
        const QList<QJsonObject> sent = a->ofType(QStringLiteral("command"));
        f.stop();

        QVERIFY(f.start(config));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(b);
        QCOMPARE(b->ack().value(QLatin1String("seq")).toInteger(), 8);
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 5}});
        QVERIFY(b->waitFor(QStringLiteral("sync:caught_up")));
        QCOMPARE(b->commandSeqs(), (QList<qint64>{6, 7, 8}));
        QCOMPARE(b->ofType(QStringLiteral("command")), sent.mid(5)); // the very messages relayed before
        QCOMPARE(b->count(QStringLiteral("sync:full_state")), 0);
        // Older than the five kept: the full state.
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 2}});
        QVERIFY(b->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemIds(b->last(QStringLiteral("sync:full_state"))).size(), 8);

        // Commands before a pushed state are never replayed onto it, after a restart either.
        QJsonObject pushed = pose(3, 3);
        pushed.insert(QLatin1String("uuid"), QLatin1String("pushed"));
        pushed.insert(QLatin1String("item_type"), QLatin1String("lens"));
        b->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:full_state")},
                            {QLatin1String("state"), QJsonObject{{QLatin1String("items"), QJsonArray{pushed}}}}});
        QVERIFY(b->waitFor(QStringLiteral("sync:caught_up"), 2));
        f.stop();
        QVERIFY(f.start(config));
        Client *c = f.join(QStringLiteral("s"), QStringLiteral("c"));
        QVERIFY(c);
        QCOMPARE(c->ack().value(QLatin1String("seq")).toInteger(), 9);
        c->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), 7}});
        QVERIFY(c->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemIds(c->last(QStringLiteral("sync:full_state"))).size(), 9);
        QCOMPARE(c->count(QStringLiteral("command")), 0);
    }

    void databaseCatchesUpWhileServing()
    {
        // Checkpoints run beside the event loop: the database file takes in
        // the WAL while the server runs, long before SQLite's own checkpoint
        // (1,000 WAL pages, inside a commit) would have.
        ServerConfig config;
        QVERIFY(startDurable(&config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        const QFileInfo database(m_dataDir->filePath(QStringLiteral("optiverse-collab.sqlite")));
        const qint64 before = database.size();
        for (int i = 0; i < 40; ++i)
            a->send(command(QStringLiteral("add_item"), QStringLiteral("i%1").arg(i),
                            {{QLatin1String("label"), QString(3000, QLatin1Char('a' + i % 26))}}));
        QVERIFY(a->waitFor(QStringLiteral("command"), 40));
        const QFileInfo wal(database.filePath() + QStringLiteral("-wal"));
        QVERIFY(wal.exists());
        QTRY_VERIFY_WITH_TIMEOUT((QFileInfo(database.filePath()).size() > before + 100 * 1024), 5000);
    }

    void storageFailureIsNeverAcknowledged()
    {
        // Another process holds the database's write lock: the command cannot
        // be stored, so nobody may be told of it; the next one goes through.
        ServerConfig config;
        QVERIFY(startDurable(&config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(a && b);
        const QString name = QStringLiteral("intruder");
        {
            QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            other.setDatabaseName(m_dataDir->filePath(QStringLiteral("optiverse-collab.sqlite")));
            QVERIFY(other.open());
            QSqlQuery lock(other);
            QVERIFY2(lock.exec(QStringLiteral("BEGIN EXCLUSIVE")), qPrintable(lock.lastError().text()));
            a->send(command(QStringLiteral("add_item"), QStringLiteral("lost"), pose(1, 1)));
            QVERIFY(a->waitFor(QStringLiteral("error"), 1, 10000));
            QCOMPARE(a->last(QStringLiteral("error")).value(QLatin1String("code")).toString(), QStringLiteral("storage_failed"));
            QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
        }
        QSqlDatabase::removeDatabase(name);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("kept"), pose(2, 2)));
        QVERIFY(b->waitFor(QStringLiteral("command")));
        QCOMPARE(b->count(QStringLiteral("command")), 1); // never the failed one
        QCOMPARE(b->last(QStringLiteral("command")).value(QLatin1String("command")).toObject()
                     .value(QLatin1String("item_id")).toString(), QStringLiteral("kept"));
        QCOMPARE(b->last(QStringLiteral("command")).value(QLatin1String("seq")).toInteger(), 1);
        f.stop(); // and after a restart the session holds exactly what was acknowledged
        QVERIFY(f.start(config));
        Client *c = f.join(QStringLiteral("s"), QStringLiteral("c"));
        QVERIFY(c);
        c->send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        QVERIFY(c->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(itemIds(c->last(QStringLiteral("sync:full_state"))), QStringList{QStringLiteral("kept")});
    }

    void storageFailedNamesTheCommand()
    {
        // The database is full (it may not grow: SQLite's own "database or
        // disk is full"): the refusal names the command by its client_seq, so
        // our client can keep it and send it again.
        ServerConfig config;
        QVERIFY(startDurable(&config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(a && b);
        QVERIFY(f.server->setStorageMaxPageCount(1));
        a->send(command(QStringLiteral("add_item"), QStringLiteral("big"), bulky(1), QStringLiteral("lens"), 7));
        QVERIFY(a->waitFor(QStringLiteral("error")));
        const QJsonObject error = a->last(QStringLiteral("error"));
        QCOMPARE(error.value(QLatin1String("code")).toString(), QStringLiteral("storage_failed"));
        QCOMPARE(error.value(QLatin1String("client_seq")).toInteger(), 7);
        QCOMPARE(error.value(QLatin1String("message")).toString(), QStringLiteral("the server could not store the change"));
        QVERIFY(f.server->setStorageMaxPageCount(0)); // room again: the same command is stored
        a->send(command(QStringLiteral("add_item"), QStringLiteral("big"), bulky(1), QStringLiteral("lens"), 8));
        QVERIFY(b->waitFor(QStringLiteral("command")));
        QCOMPARE(b->count(QStringLiteral("command")), 1);
        QCOMPARE(a->last(QStringLiteral("command")).value(QLatin1String("client_seq")).toInteger(), 8);
    }

    void fullDiskLogStaysBounded()
    {
        // Every command fails on a full disk: the log says so once with the
        // reason, then counts, instead of a line per command.
        ServerConfig config;
        config.maxMessagesPerSecond = 100000; // the failures, not the rate limit, are tested
        config.burst = 100000;
        QVERIFY(startDurable(&config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        s_storageLog.clear();
        s_previousHandler = qInstallMessageHandler(captureStorageLog);
        const auto restore = qScopeGuard([] { qInstallMessageHandler(s_previousHandler); });
        QVERIFY(f.server->setStorageMaxPageCount(1));
        constexpr int Failures = 2000;
        for (int i = 0; i < Failures; ++i)
            a->send(command(QStringLiteral("add_item"), QStringLiteral("i%1").arg(i), bulky(i), QStringLiteral("lens"), i + 1));
        QVERIFY(a->waitFor(QStringLiteral("error"), Failures, 60000));
        QCOMPARE(a->count(QStringLiteral("command")), 0);
        // The first failure with its reason; at most one summary per 10 s after it.
        QVERIFY2(s_storageLog.size() >= 1 && s_storageLog.size() <= 3, qPrintable(s_storageLog.join(QLatin1Char('\n'))));
        QVERIFY2(s_storageLog.first().contains(QLatin1String("database or disk is full")), qPrintable(s_storageLog.first()));
        // Room again: the next stored command ends the run with its count.
        QVERIFY(f.server->setStorageMaxPageCount(0));
        a->send(command(QStringLiteral("add_item"), QStringLiteral("kept"), pose(0, 0), QStringLiteral("lens"), Failures + 1));
        QVERIFY(a->waitFor(QStringLiteral("command")));
        QVERIFY2(s_storageLog.size() <= 4, qPrintable(s_storageLog.join(QLatin1Char('\n'))));
        QCOMPARE(s_storageLog.last(), QStringLiteral("storage: works again after 2,000 failures"));
    }

    void dataDirErrors()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(QStringLiteral("plainfile")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        ServerConfig config;
        config.dataDir = file.fileName();
        Optiverse::Collab::CollabServer server(config);
        QString error;
        QVERIFY(!server.listen(QHostAddress(QHostAddress::LocalHost), 0, &error));
        QVERIFY2(error.startsWith(QLatin1String("cannot open data dir")), qPrintable(error));
        QVERIFY(!server.isListening());
    }

    void closeSendsGoingAway()
    {
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        QSignalSpy listening(f.server.get(), &Optiverse::Collab::CollabServer::listeningChanged);
        f.server->close();
        QVERIFY(a->waitDisconnected());
        QCOMPARE(a->closeCode, 1001);
        QCOMPARE(a->closeReason, QStringLiteral("server shutting down"));
        QCOMPARE(listening.count(), 1);
        QVERIFY(!f.server->isListening());
    }

    void shareUrls()
    {
        const QStringList urls = f.server->shareUrls();
        QCOMPARE(urls, QStringList{QStringLiteral("ws://127.0.0.1:%1").arg(f.port())});
        Optiverse::Collab::CollabServer any;
        QString error;
        QVERIFY(any.listen(QHostAddress(QHostAddress::AnyIPv4), 0, &error));
        for (const QString &u : any.shareUrls())
            QVERIFY2(u.startsWith(QLatin1String("ws://")) && u.endsWith(QLatin1Char(':') + QString::number(any.port())), qPrintable(u));
        Optiverse::Collab::CollabServer clash;
        QVERIFY(!clash.listen(QHostAddress(QHostAddress::LocalHost), f.port(), &error));
        QCOMPARE(error, QStringLiteral("Port %1 on 127.0.0.1 is already in use").arg(f.port()));
    }
};

QTEST_GUILESS_MAIN(TestServerSessions)
#include "tst_server_sessions.moc"
