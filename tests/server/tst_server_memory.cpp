// SPDX-License-Identifier: MIT
// What a server running for weeks holds: the real optiverse-collab-server as a
// process (its own RSS, read from /proc), driven by real WebSocket clients.
#include "ServerProcess.h"
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {

QJsonObject textUpdate(const QString &id, const QString &text, qint64 clientSeq)
{
    QJsonObject c = command(QStringLiteral("update_item"), id, {{QLatin1String("label"), text}},
                            QStringLiteral("label"), clientSeq);
    QJsonObject inner = c.value(QLatin1String("command")).toObject();
    inner.insert(QLatin1String("changed_keys"), QJsonArray{QStringLiteral("label")});
    c.insert(QLatin1String("command"), inner);
    return c;
}

QJsonObject label(const QString &text)
{
    return {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("label"), text}};
}

/// Waits until @p c has seen a command with seq >= @p seq.
bool seen(Client *c, qint64 seq, int timeoutMs = 30000)
{
    return QTest::qWaitFor([&] {
        const QList<qint64> seqs = c->commandSeqs();
        return !seqs.isEmpty() && seqs.constLast() >= seq;
    }, timeoutMs);
}

/// One member editing a 1 KB text label, in bursts the server's rate limit
/// lets through, while another watches.
struct TextEditor
{
    Client *editor;
    Client *watcher;
    qint64 seq = 0; // the session's, as the watcher saw it

    bool add()
    {
        editor->send(command(QStringLiteral("add_item"), QStringLiteral("t1"), label(QString(1000, QLatin1Char('a'))),
                             QStringLiteral("label")));
        return seen(watcher, ++seq);
    }
    /// @p edits more edits; true once the watcher saw them all.
    bool edit(int edits)
    {
        for (int i = 0; i < edits; ++i) {
            if (i % 1000 == 0)
                watcher->messages.clear(); // the test's own memory, not the server's
            QString text(1000, QChar(u'a' + int(seq % 26)));
            text.replace(0, 12, QString::number(seq).rightJustified(12, QLatin1Char('0')));
            editor->send(textUpdate(QStringLiteral("t1"), text, seq));
            ++seq;
            if (i % 100 == 99 && !seen(watcher, seq))
                return false;
        }
        return seen(watcher, seq);
    }
};

/// A real server process, alice editing one text label, bob watching.
struct Lab
{
    ServerProcess server;
    Client editor;
    Client watcher;
    TextEditor text{&editor, &watcher};

    bool start(const QStringList &args)
    {
        if (!server.start(args + QStringList{QStringLiteral("--max-rate"), QStringLiteral("100000")}))
            return false;
        editor.open(server.port(), QStringLiteral("lab"), QStringLiteral("alice"));
        watcher.open(server.port(), QStringLiteral("lab"), QStringLiteral("bob"));
        return editor.waitFor(QStringLiteral("connection:ack")) && watcher.waitFor(QStringLiteral("connection:ack"))
            && text.add();
    }
};

// Under AddressSanitizer freed memory waits in a quarantine (256 MB) and every
// block has red zones: RSS says nothing about what the server holds.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool RssMeaningful = false;
#else
constexpr bool RssMeaningful = true;
#endif

} // namespace

class TestServerMemory : public QObject
{
    Q_OBJECT

private slots:
    void textEditsGrowMemoryLinearly()
    {
        // Each kept value used to hold the whole item's JSON buffer, earlier
        // values included: 2,000 edits of a 1 KB text took 2 GB.
        Lab lab;
        QVERIFY(lab.start({}));
        const qint64 before = lab.server.rssKiB();
        QVERIFY(lab.text.edit(2000));
        const qint64 grown = lab.server.rssKiB() - before;
        qInfo() << "2,000 edits of a 1 KB text: server RSS +" << grown << "KiB";
        if (RssMeaningful)
            QVERIFY2(grown < 32 * 1024, qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(grown)));
    }

    void budgetForgetsTheOldestWithoutDataDir()
    {
        // 16 MB of budget, 24,000 edits of 1 KB (each keeps ~2 KB of history):
        // the oldest go, the rest stays, and the panel is told since when.
        Lab lab;
        QVERIFY(lab.start({QStringLiteral("--memory-budget"), QStringLiteral("16")}));
        const qint64 before = lab.server.rssKiB();
        QVERIFY(lab.text.edit(12000));
        const qint64 atHalf = lab.server.rssKiB();
        QVERIFY(lab.server.log().contains("forgotten (memory budget)"));
        QVERIFY(lab.text.edit(12000));
        const qint64 atEnd = lab.server.rssKiB();
        qInfo() << "RSS +" << atHalf - before << "KiB after 12,000 edits, +" << atEnd - before << "KiB after 24,000";
        if (RssMeaningful)
            QVERIFY2(atEnd - before < 64 * 1024, "the history outgrew its budget");

        const QJsonObject page = lab.watcher.ask({{QLatin1String("type"), QLatin1String("history:page")}});
        const QJsonObject start = page.value(QLatin1String("history_starts")).toObject();
        QCOMPARE(start.value(QLatin1String("reason")).toString(), QStringLiteral("memory_budget"));
        QVERIFY(start.value(QLatin1String("time_ms")).toInteger() > 0);
        const qint64 base = page.value(QLatin1String("base_seq")).toInteger();
        QVERIFY(base > 0);
        QCOMPARE(lab.watcher.ask({{QLatin1String("type"), QLatin1String("history:scene_at")}, {QLatin1String("seq"), base}})
                     .value(QLatin1String("type")).toString(),
                 QStringLiteral("history:scene"));
        QCOMPARE(lab.watcher.ask({{QLatin1String("type"), QLatin1String("history:scene_at")}, {QLatin1String("seq"), base - 1}})
                     .value(QLatin1String("code")).toString(),
                 QStringLiteral("history_out_of_range"));
    }

    void dataDirKeepsAWindowInMemoryAndTheRestOnDisk()
    {
        QTemporaryDir dir;
        Lab lab;
        // A window of 1,000 (the least allowed; 10,000 by default) keeps the
        // test short, under sanitizers too.
        QVERIFY(lab.start({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--history-in-memory"),
                           QStringLiteral("1000")}));
        QVERIFY(lab.text.edit(300));
        const QJsonObject early = lab.watcher.ask({{QLatin1String("type"), QLatin1String("history:scene_at")},
                                               {QLatin1String("seq"), 150}});
        QCOMPARE(early.value(QLatin1String("type")).toString(), QStringLiteral("history:scene"));
        // 1,300 more: seq 150 is now older than the 1,000 kept in memory.
        QVERIFY(lab.text.edit(1300));
        QVERIFY(lab.server.log().contains("left memory (kept on disk)"));
        const QJsonObject late = lab.watcher.ask({{QLatin1String("type"), QLatin1String("history:scene_at")},
                                              {QLatin1String("seq"), 150}});
        QCOMPARE(late.value(QLatin1String("state")), early.value(QLatin1String("state")));
        const QJsonObject old = lab.watcher.ask({{QLatin1String("type"), QLatin1String("history:page")},
                                             {QLatin1String("before_seq"), 151}, {QLatin1String("limit"), 5}});
        const QJsonArray entries = old.value(QLatin1String("entries")).toArray();
        QCOMPARE(entries.size(), 5);
        QCOMPARE(entries.at(0).toObject().value(QLatin1String("seq")).toInteger(), 150);
        QCOMPARE(old.value(QLatin1String("next_before_seq")).toInteger(), 146);
    }
};

QTEST_GUILESS_MAIN(TestServerMemory)
#include "tst_server_memory.moc"
