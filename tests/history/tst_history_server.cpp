// SPDX-License-Identifier: MIT
// Session history through a real CollabServer on loopback: the
// scene rebuilt at any seq, restore (and restore of a restore), revert skipping
// newer changes, named versions, permissions, and durability with --data-dir.
#include "ServerFixture.h"
#include "HistoryOperation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using Optiverse::Collab::ServerConfig;

namespace {

QJsonObject command(const QString &action, const QString &id, const QString &type, const QJsonObject &data,
                    const QStringList &changed = {}, const QStringList &removed = {})
{
    QJsonObject c{{QLatin1String("action"), action},
                  {QLatin1String("item_id"), id},
                  {QLatin1String("item_type"), type},
                  {QLatin1String("data"), data}};
    if (!changed.isEmpty() || !removed.isEmpty())
        c.insert(QLatin1String("changed_keys"), QJsonArray::fromStringList(changed));
    if (!removed.isEmpty())
        c.insert(QLatin1String("removed_keys"), QJsonArray::fromStringList(removed));
    return {{QLatin1String("type"), QLatin1String("command")}, {QLatin1String("command"), c}};
}

QJsonArray itemsOf(const QJsonObject &message)
{
    return message.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray();
}

} // namespace

class TestHistoryServer : public QObject
{
    Q_OBJECT
    ServerFixture f;

    /// Sends a history request and returns the reply with its request_id
    /// (a history:* reply or an error).
    static QJsonObject ask(Client *c, const QJsonObject &request) { return c->ask(request); }
    QJsonObject liveState(Client *c)
    {
        const int before = c->count(QStringLiteral("sync:full_state"));
        c->send({{QLatin1String("type"), QLatin1String("sync:request")}});
        if (!c->waitFor(QStringLiteral("sync:full_state"), before + 1, 10000))
            return {};
        return c->last(QStringLiteral("sync:full_state"));
    }
    QJsonArray sceneAt(Client *c, qint64 seq)
    {
        const QJsonObject r = ask(c, {{QLatin1String("type"), QLatin1String("history:scene_at")}, {QLatin1String("seq"), seq}});
        return r.value(QLatin1String("type")).toString() == QLatin1String("history:scene") ? itemsOf(r) : QJsonArray{{QStringLiteral("error")}};
    }
    /// Waits until @p c has seen a command with seq >= @p seq.
    static bool seen(Client *c, qint64 seq)
    {
        return QTest::qWaitFor([&] {
            const QList<qint64> seqs = c->commandSeqs();
            return !seqs.isEmpty() && *std::max_element(seqs.cbegin(), seqs.cend()) >= seq;
        }, 10000);
    }
    static qint64 headSeq(Client *c)
    {
        const QList<qint64> seqs = c->commandSeqs();
        return seqs.isEmpty() ? 0 : *std::max_element(seqs.cbegin(), seqs.cend());
    }
    static QJsonObject lens(double f, double x = 0)
    {
        return {{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0},
                {QLatin1String("focal_length"), f}, {QLatin1String("name"), QStringLiteral("Lens")}};
    }

private slots:
    void cleanup() { f.stop(); }

    void sceneAtAnySeqEqualsTheLiveScene()
    {
        QVERIFY(f.start());
        Client *a = f.join(QStringLiteral("lab"), QStringLiteral("alice"));
        Client *b = f.join(QStringLiteral("lab"), QStringLiteral("bob"));
        Client *c = f.join(QStringLiteral("lab"), QStringLiteral("carol"));
        QVERIFY(a && b && c);
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo() << "seed" << seed;
        QRandomGenerator rng(seed);
        QList<Client *> clients{a, b, c};
        QStringList ids;
        QMap<qint64, QJsonArray> live;
        int sent = 0;
        for (int round = 0; round < 40; ++round) {
            // Several clients at once: the server orders what crosses.
            for (Client *who : clients) {
                const int n = 1 + int(rng.bounded(3));
                for (int k = 0; k < n; ++k) {
                    const int pick = ids.isEmpty() ? 0 : int(rng.bounded(10));
                    const QString id = pick == 0 || ids.size() < 3 ? QStringLiteral("item-%1").arg(ids.size())
                                                                   : ids.at(int(rng.bounded(ids.size())));
                    if (pick == 0 || ids.size() < 3) {
                        ids.append(id);
                        who->send(command(QStringLiteral("add_item"), id, QStringLiteral("lens"), lens(rng.bounded(200) + 1)));
                    } else if (pick <= 3) {
                        who->send(command(QStringLiteral("move_item"), id, QStringLiteral("lens"),
                                          {{QLatin1String("x_mm"), double(rng.bounded(500))},
                                           {QLatin1String("y_mm"), double(rng.bounded(500))}}));
                    } else if (pick <= 6) {
                        QJsonObject data = lens(rng.bounded(200) + 1);
                        data.insert(QLatin1String("extra"), int(rng.bounded(5)));
                        who->send(command(QStringLiteral("update_item"), id, QStringLiteral("lens"), data,
                                          {QStringLiteral("focal_length"), QStringLiteral("extra")}));
                    } else if (pick == 7) {
                        who->send(command(QStringLiteral("update_item"), id, QStringLiteral("lens"), lens(50),
                                          {}, {QStringLiteral("extra")}));
                    } else {
                        who->send(command(QStringLiteral("remove_item"), id, QStringLiteral("lens"), {}));
                    }
                    ++sent;
                }
            }
            // Every command is answered (echo or rejection): wait for the
            // observer to be told of them, then take the live scene.
            QVERIFY(QTest::qWaitFor([&] {
                int answered = 0;
                for (Client *who : clients)
                    answered += who->count(QStringLiteral("command:rejected"));
                return answered + int(c->commandSeqs().size()) >= sent;
            }, 10000));
            const QJsonObject state = liveState(c);
            live.insert(state.value(QLatin1String("seq")).toInteger(), itemsOf(state));
        }
        QVERIFY(live.size() >= 20);
        for (auto it = live.cbegin(); it != live.cend(); ++it)
            QCOMPARE(sceneAt(a, it.key()), it.value());
        QCOMPARE(sceneAt(b, 0), QJsonArray());
        const QJsonObject outOfRange = ask(b, {{QLatin1String("type"), QLatin1String("history:scene_at")},
                                               {QLatin1String("seq"), headSeq(c) + 5}});
        QCOMPARE(outOfRange.value(QLatin1String("code")).toString(), QStringLiteral("history_out_of_range"));
    }

    void scenesOfEverySizeArriveWhole()
    {
        // A scene reply is framed by the server itself: short, 16-bit and
        // 64-bit lengths, with text that is not ASCII.
        QVERIFY(f.start());
        Client *a = f.join(QStringLiteral("lab"), QStringLiteral("alice"));
        QVERIFY(a);
        QMap<qint64, QJsonArray> live;
        const QList<int> lengths{1, 20000, 300000};
        for (int i = 0; i < lengths.size(); ++i) {
            QJsonObject data = lens(10 + i);
            data.insert(QLatin1String("name"), QString(lengths.at(i), QChar(0x20AC)));
            a->send(command(QStringLiteral("add_item"), QStringLiteral("text-%1").arg(i), QStringLiteral("label"), data));
            QVERIFY(seen(a, i + 1));
            const QJsonObject state = liveState(a);
            live.insert(state.value(QLatin1String("seq")).toInteger(), itemsOf(state));
        }
        for (auto it = live.cbegin(); it != live.cend(); ++it)
            QCOMPARE(sceneAt(a, it.key()), it.value());
        QCOMPARE(sceneAt(a, live.lastKey()).size(), 3); // again, from the cache
    }

    void restoreAndRestoreOfARestore()
    {
        QVERIFY(f.start());
        Client *a = f.join(QStringLiteral("lab"), QStringLiteral("alice"));
        Client *b = f.join(QStringLiteral("lab"), QStringLiteral("bob"));
        Client *original = f.joinOriginal(QStringLiteral("lab"), QStringLiteral("orig"));
        QVERIFY(a && b && original);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("l1"), QStringLiteral("lens"), lens(100)));
        a->send(command(QStringLiteral("add_item"), QStringLiteral("m1"), QStringLiteral("mirror"), lens(0, 50)));
        QVERIFY(seen(b, 2));
        const QJsonArray atTwo = itemsOf(liveState(b));
        b->send(command(QStringLiteral("update_item"), QStringLiteral("l1"), QStringLiteral("lens"), lens(75),
                        {QStringLiteral("focal_length")}));
        b->send(command(QStringLiteral("remove_item"), QStringLiteral("m1"), QStringLiteral("mirror"), {}));
        b->send(command(QStringLiteral("add_item"), QStringLiteral("s1"), QStringLiteral("source"), lens(0, 9)));
        QVERIFY(seen(a, 5));
        const QJsonArray atFive = itemsOf(liveState(a));

        const QJsonObject done = ask(a, {{QLatin1String("type"), QLatin1String("history:restore")}, {QLatin1String("seq"), 2}});
        QCOMPARE(done.value(QLatin1String("type")).toString(), QStringLiteral("history:done"));
        QCOMPARE(done.value(QLatin1String("applied")).toInt(), 3); // focal length back, mirror back, source gone
        QCOMPARE(itemsOf(liveState(b)), atTwo);
        // Everyone saw ordinary commands, the original client too, and one group.
        QVERIFY(seen(b, 8));
        const QList<QJsonObject> restoreCommands = b->ofType(QStringLiteral("command")).mid(5);
        QCOMPARE(restoreCommands.size(), 3);
        const QString group = restoreCommands.first().value(QLatin1String("history_group")).toObject().value(QLatin1String("id")).toString();
        QVERIFY(!group.isEmpty());
        for (const QJsonObject &m : restoreCommands) {
            QCOMPARE(m.value(QLatin1String("user_id")).toString(), QStringLiteral("alice"));
            QCOMPARE(m.value(QLatin1String("history_group")).toObject().value(QLatin1String("id")).toString(), group);
        }
        QTRY_COMPARE(original->count(QStringLiteral("command")), 8);
        // The restore is in the history, attributed to alice.
        const QJsonObject page = ask(b, {{QLatin1String("type"), QLatin1String("history:page")}, {QLatin1String("limit"), 3}});
        const QJsonArray entries = page.value(QLatin1String("entries")).toArray();
        QCOMPARE(entries.size(), 3);
        QCOMPARE(entries.at(0).toObject().value(QLatin1String("seq")).toInteger(), 8);
        QCOMPARE(entries.at(0).toObject().value(QLatin1String("group")).toObject().value(QLatin1String("kind")).toString(),
                 QStringLiteral("restore"));
        QCOMPARE(page.value(QLatin1String("next_before_seq")).toInteger(), 6);

        // Undo the restore by restoring the version before it.
        const QJsonObject undo = ask(b, {{QLatin1String("type"), QLatin1String("history:restore")}, {QLatin1String("seq"), 5}});
        QCOMPARE(undo.value(QLatin1String("applied")).toInt(), 3);
        QCOMPARE(itemsOf(liveState(a)), atFive);
        QCOMPARE(sceneAt(a, 8), atTwo);
    }

    void revertSkipsNewerChanges()
    {
        QVERIFY(f.start());
        Client *a = f.join(QStringLiteral("lab"), QStringLiteral("alice"));
        Client *b = f.join(QStringLiteral("lab"), QStringLiteral("bob"));
        QVERIFY(a && b);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("l1"), QStringLiteral("lens"), lens(100)));
        QJsonObject changed = lens(75);
        changed.insert(QLatin1String("name"), QStringLiteral("Lens 2"));
        b->send(command(QStringLiteral("update_item"), QStringLiteral("l1"), QStringLiteral("lens"), changed,
                        {QStringLiteral("focal_length"), QStringLiteral("name")})); // seq 2
        QVERIFY(seen(a, 2));
        changed.insert(QLatin1String("name"), QStringLiteral("Collimator"));
        a->send(command(QStringLiteral("update_item"), QStringLiteral("l1"), QStringLiteral("lens"), changed,
                        {QStringLiteral("name")})); // seq 3
        QVERIFY(seen(b, 3));

        // The history says what seq 2 replaced.
        const QJsonObject page = ask(a, {{QLatin1String("type"), QLatin1String("history:page")}, {QLatin1String("before_seq"), 3},
                                         {QLatin1String("limit"), 1}});
        const QJsonObject two = page.value(QLatin1String("entries")).toArray().at(0).toObject();
        const QJsonObject change = two.value(QLatin1String("changes")).toArray().at(0).toObject();
        QCOMPARE(two.value(QLatin1String("user_id")).toString(), QStringLiteral("bob"));
        QCOMPARE(change.value(QLatin1String("before")).toObject().value(QLatin1String("focal_length")).toDouble(), 100.0);
        QCOMPARE(change.value(QLatin1String("after")).toObject().value(QLatin1String("focal_length")).toDouble(), 75.0);

        const QJsonObject done = ask(a, {{QLatin1String("type"), QLatin1String("history:revert")}, {QLatin1String("seq"), 2}});
        QCOMPARE(done.value(QLatin1String("applied")).toInt(), 1);
        const QJsonArray skipped = done.value(QLatin1String("skipped")).toArray();
        QCOMPARE(skipped.size(), 1);
        QCOMPARE(skipped.at(0).toObject().value(QLatin1String("key")).toString(), QStringLiteral("name"));
        QCOMPARE(skipped.at(0).toObject().value(QLatin1String("reason")).toString(), QStringLiteral("changed_since"));
        QCOMPARE(skipped.at(0).toObject().value(QLatin1String("user_id")).toString(), QStringLiteral("alice"));
        const QJsonObject item = itemsOf(liveState(b)).at(0).toObject();
        QCOMPARE(item.value(QLatin1String("focal_length")).toDouble(), 100.0);
        QCOMPARE(item.value(QLatin1String("name")).toString(), QStringLiteral("Collimator"));

        // Reverting a removal brings the item back; reverting an add removes it.
        a->send(command(QStringLiteral("remove_item"), QStringLiteral("l1"), QStringLiteral("lens"), {}));
        QVERIFY(seen(b, 5));
        QCOMPARE(ask(b, {{QLatin1String("type"), QLatin1String("history:revert")}, {QLatin1String("seq"), 5}})
                     .value(QLatin1String("applied")).toInt(), 1);
        QCOMPARE(itemsOf(liveState(b)).size(), 1);
        const QJsonObject none = ask(b, {{QLatin1String("type"), QLatin1String("history:revert")}, {QLatin1String("seq"), 99}});
        QCOMPARE(none.value(QLatin1String("code")).toString(), QStringLiteral("history_out_of_range"));
    }

    void namedVersions()
    {
        QVERIFY(f.start());
        Client *a = f.join(QStringLiteral("lab"), QStringLiteral("alice"));
        Client *b = f.join(QStringLiteral("lab"), QStringLiteral("bob"));
        QVERIFY(a && b);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("l1"), QStringLiteral("lens"), lens(100)));
        QVERIFY(seen(b, 1));
        const QJsonObject r = ask(a, {{QLatin1String("type"), QLatin1String("history:name")}, {QLatin1String("seq"), 1},
                                      {QLatin1String("name"), QStringLiteral("  aligned  ")}});
        // Everyone is told of the one version named; the whole list comes with pages.
        QCOMPARE(r.value(QLatin1String("type")).toString(), QStringLiteral("history:version_named"));
        QVERIFY(b->waitFor(QStringLiteral("history:version_named")));
        const QJsonObject v = b->last(QStringLiteral("history:version_named")).value(QLatin1String("version")).toObject();
        QCOMPARE(v.value(QLatin1String("name")).toString(), QStringLiteral("aligned"));
        QCOMPARE(v.value(QLatin1String("user_id")).toString(), QStringLiteral("alice"));
        const QJsonArray listed = ask(b, {{QLatin1String("type"), QLatin1String("history:page")}})
                                      .value(QLatin1String("versions")).toArray();
        QCOMPARE(listed.size(), 1);
        QCOMPARE(listed.at(0).toObject().value(QLatin1String("name")).toString(), QStringLiteral("aligned"));
        const QJsonObject bad = ask(a, {{QLatin1String("type"), QLatin1String("history:name")}, {QLatin1String("seq"), 1},
                                        {QLatin1String("name"), QString()}});
        QCOMPARE(bad.value(QLatin1String("code")).toString(), QStringLiteral("invalid_message"));
        const QJsonObject control = ask(a, {{QLatin1String("type"), QLatin1String("history:name")}, {QLatin1String("seq"), 1},
                                            {QLatin1String("name"), QStringLiteral("bell\u0007")}});
        QCOMPARE(control.value(QLatin1String("code")).toString(), QStringLiteral("invalid_message"));
        QVERIFY(control.value(QLatin1String("message")).toString().contains(QLatin1String("control characters")));
    }

    void pagesOfHugeValuesStayPages()
    {
        // 20 edits storing 200 KB each: one page request used to return all of
        // it (and cost the server several times that); now long values are
        // shortened in the page and given whole on request.
        ServerConfig config;
        config.maxMessagesPerSecond = config.burst = 100000;
        QVERIFY(f.start(config));
        Client *a = f.join(QStringLiteral("lab"), QStringLiteral("alice"));
        QVERIFY(a);
        a->send(command(QStringLiteral("add_item"), QStringLiteral("l1"), QStringLiteral("lens"), lens(100)));
        QVERIFY(seen(a, 1));
        const auto notes = [](int i) { return QString(200000, QChar(u'a' + i)); };
        for (int i = 0; i < 20; ++i)
            a->send(command(QStringLiteral("update_item"), QStringLiteral("l1"), QStringLiteral("lens"),
                            {{QLatin1String("notes"), notes(i)}}, {QStringLiteral("notes")}));
        QVERIFY(seen(a, 21));
        a->messages.clear();
        const QJsonObject page = ask(a, {{QLatin1String("type"), QLatin1String("history:page")}, {QLatin1String("limit"), 500}});
        const QJsonArray entries = page.value(QLatin1String("entries")).toArray();
        QCOMPARE(entries.size(), 21);
        const qsizetype bytes = QJsonDocument(page).toJson(QJsonDocument::Compact).size();
        QVERIFY2(bytes < 64 * 1024, qPrintable(QString::number(bytes)));
        const QJsonObject newest = entries.at(0).toObject();
        QVERIFY(newest.value(QLatin1String("shortened")).toBool());
        const QString shown = newest.value(QLatin1String("changes")).toArray().at(0).toObject()
                                  .value(QLatin1String("after")).toObject().value(QLatin1String("notes")).toString();
        QCOMPARE(shown, notes(19).left(200) + QChar(0x2026));
        const QJsonObject whole = ask(a, {{QLatin1String("type"), QLatin1String("history:value")},
                                          {QLatin1String("seq"), 21}, {QLatin1String("item_id"), QStringLiteral("l1")},
                                          {QLatin1String("key"), QStringLiteral("notes")}, {QLatin1String("side"), QStringLiteral("before")}});
        QCOMPARE(whole.value(QLatin1String("value")).toString(), notes(18));
        QVERIFY(!entries.at(20).toObject().value(QLatin1String("shortened")).toBool()); // the add had nothing long
    }

    void permissions_data()
    {
        QTest::addColumn<int>("permission");
        QTest::addColumn<bool>("hostMay");
        QTest::addColumn<bool>("otherMay");
        QTest::newRow("all") << int(ServerConfig::HistoryPermission::All) << true << true;
        QTest::newRow("host") << int(ServerConfig::HistoryPermission::Host) << true << false;
        QTest::newRow("none") << int(ServerConfig::HistoryPermission::None) << false << false;
    }
    void permissions()
    {
        QFETCH(int, permission);
        QFETCH(bool, hostMay);
        QFETCH(bool, otherMay);
        ServerConfig config;
        config.historyRestore = ServerConfig::HistoryPermission(permission);
        QVERIFY(f.start(config));
        // "host" is the session's owner: alice creates the session with a
        // client that keeps the owner token.
        Client *host = f.join(QStringLiteral("lab"), QStringLiteral("alice"), QByteArrayLiteral("seq, presence, owner"));
        Client *other = f.join(QStringLiteral("lab"), QStringLiteral("bob"));
        Client *original = f.joinOriginal(QStringLiteral("lab"), QStringLiteral("orig"));
        QVERIFY(host && other && original);
        host->send(command(QStringLiteral("add_item"), QStringLiteral("l1"), QStringLiteral("lens"), lens(100)));
        QVERIFY(seen(other, 1));
        for (const QString &type : {QStringLiteral("history:restore"), QStringLiteral("history:revert")}) {
            const QJsonObject byOther = ask(other, {{QLatin1String("type"), type}, {QLatin1String("seq"), 1}});
            QCOMPARE(byOther.value(QLatin1String("code")).toString() != QLatin1String("history_forbidden"), otherMay);
            const QJsonObject byHost = ask(host, {{QLatin1String("type"), type}, {QLatin1String("seq"), 1}});
            QCOMPARE(byHost.value(QLatin1String("code")).toString() != QLatin1String("history_forbidden"), hostMay);
        }
        // Reading the history is for every capable client; original clients
        // (who never ask) get an error, not a crash, and nothing changes.
        QCOMPARE(ask(other, {{QLatin1String("type"), QLatin1String("history:page")}}).value(QLatin1String("type")).toString(),
                 QStringLiteral("history:page"));
        const qint64 before = headSeq(host);
        original->send({{QLatin1String("type"), QLatin1String("history:restore")}, {QLatin1String("seq"), 0},
                        {QLatin1String("request_id"), QStringLiteral("o")}});
        QVERIFY(original->waitFor(QStringLiteral("error")));
        QCOMPARE(original->last(QStringLiteral("error")).value(QLatin1String("code")).toString(), QStringLiteral("history_unsupported"));
        QCOMPARE(headSeq(host), before);
    }

    void survivesRestartWithDataDir()
    {
        QTemporaryDir dir;
        ServerConfig config;
        config.dataDir = dir.path();
        config.historyCheckpointInterval = 64;
        QVERIFY(f.start(config));
        Client *a = f.join(QStringLiteral("lab"), QStringLiteral("alice"));
        QVERIFY(a);
        for (int i = 0; i < 150; ++i)
            a->send(command(i % 3 == 0 ? QStringLiteral("add_item") : QStringLiteral("update_item"),
                            QStringLiteral("l%1").arg(i / 3), QStringLiteral("lens"), lens(i),
                            i % 3 == 0 ? QStringList{} : QStringList{QStringLiteral("focal_length")}));
        QVERIFY(seen(a, 150));
        QMap<qint64, QJsonArray> before;
        for (qint64 seq : {0, 1, 64, 100, 149, 150})
            before.insert(seq, sceneAt(a, seq));
        QVERIFY(ask(a, {{QLatin1String("type"), QLatin1String("history:name")}, {QLatin1String("seq"), 100},
                        {QLatin1String("name"), QStringLiteral("v1")}}).contains(QLatin1String("version")));
        f.stop();
        QVERIFY(f.start(config));
        Client *b = f.join(QStringLiteral("lab"), QStringLiteral("bob"));
        QVERIFY(b);
        for (auto it = before.cbegin(); it != before.cend(); ++it)
            QCOMPARE(sceneAt(b, it.key()), it.value());
        const QJsonObject page = ask(b, {{QLatin1String("type"), QLatin1String("history:page")}, {QLatin1String("limit"), 500}});
        QCOMPARE(page.value(QLatin1String("entries")).toArray().size(), 150);
        QCOMPARE(page.value(QLatin1String("versions")).toArray().at(0).toObject().value(QLatin1String("name")).toString(),
                 QStringLiteral("v1"));
    }
};

QTEST_MAIN(TestHistoryServer)
#include "tst_history_server.moc"
