// SPDX-License-Identifier: MIT
// Every class of invalid input gets an error reply, is not relayed, and the
// connection stays usable (binary frames excepted: error, then close 1003).
#include "ServerFixture.h"

#include <QTest>

using namespace TestSupport;

class TestServerValidation : public QObject
{
    Q_OBJECT
    ServerFixture f;
    Client *sender = nullptr;
    Client *watcher = nullptr;

private slots:
    void init()
    {
        QVERIFY(f.start());
        sender = f.join(QStringLiteral("s"), QStringLiteral("sender"));
        watcher = f.join(QStringLiteral("s"), QStringLiteral("watcher"));
        QVERIFY(sender && watcher);
    }
    void cleanup() { f.stop(); }

    void invalidInput_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("malformed JSON") << QStringLiteral("{\"type\": \"command\", ") << QStringLiteral("malformed JSON");
        QTest::newRow("not JSON at all") << QStringLiteral("hello") << QStringLiteral("malformed JSON");
        QTest::newRow("array") << QStringLiteral("[1,2,3]") << QStringLiteral("JSON object");
        QTest::newRow("string") << QStringLiteral("\"command\"") << QStringLiteral("");
        QTest::newRow("no type") << QStringLiteral("{\"command\":{}}") << QStringLiteral("type");
        QTest::newRow("type not a string") << QStringLiteral("{\"type\":42}") << QStringLiteral("type");
        QTest::newRow("unknown type") << QStringLiteral("{\"type\":\"explode\"}") << QStringLiteral("unknown message type");
        QTest::newRow("command missing") << QStringLiteral("{\"type\":\"command\"}") << QStringLiteral("command");
        QTest::newRow("command not object") << QStringLiteral("{\"type\":\"command\",\"command\":[]}") << QStringLiteral("command");
        QTest::newRow("unknown action")
            << QStringLiteral("{\"type\":\"command\",\"command\":{\"action\":\"explode_item\",\"item_id\":\"a\",\"item_type\":\"lens\"}}")
            << QStringLiteral("unknown action");
        QTest::newRow("action wrong type")
            << QStringLiteral("{\"type\":\"command\",\"command\":{\"action\":1,\"item_id\":\"a\"}}") << QStringLiteral("action");
        QTest::newRow("item_id missing")
            << QStringLiteral("{\"type\":\"command\",\"command\":{\"action\":\"add_item\",\"item_type\":\"lens\"}}")
            << QStringLiteral("item_id");
        QTest::newRow("item_id wrong type")
            << QStringLiteral("{\"type\":\"command\",\"command\":{\"action\":\"move_item\",\"item_id\":5}}") << QStringLiteral("item_id");
        QTest::newRow("data wrong type")
            << QStringLiteral("{\"type\":\"command\",\"command\":{\"action\":\"add_item\",\"item_id\":\"a\",\"item_type\":\"lens\",\"data\":\"x\"}}")
            << QStringLiteral("data");
        QTest::newRow("x_mm not a number")
            << QStringLiteral("{\"type\":\"command\",\"command\":{\"action\":\"add_item\",\"item_id\":\"a\",\"item_type\":\"lens\",\"data\":{\"x_mm\":\"1\"}}}")
            << QStringLiteral("x_mm");
        QTest::newRow("add without item_type")
            << QStringLiteral("{\"type\":\"command\",\"command\":{\"action\":\"add_item\",\"item_id\":\"a\"}}") << QStringLiteral("item_type");
        QTest::newRow("seq negative") << QStringLiteral("{\"type\":\"sync:request\",\"since\":-4}") << QStringLiteral("since");
        QTest::newRow("full_state without state") << QStringLiteral("{\"type\":\"sync:full_state\"}") << QStringLiteral("state");
        QTest::newRow("full_state bad item")
            << QStringLiteral("{\"type\":\"sync:full_state\",\"state\":{\"items\":[{\"item_id\":3}]}}") << QStringLiteral("items");
        QTest::newRow("presence bad pointer")
            << QStringLiteral("{\"type\":\"presence\",\"pointer\":{\"x_mm\":\"a\"}}") << QStringLiteral("pointer");
        QTest::newRow("server-only type") << QStringLiteral("{\"type\":\"user:joined\",\"user_id\":\"x\"}")
                                          << QStringLiteral("sent by the server");
        QTest::newRow("deeply nested")
            << QString(QStringLiteral("{\"type\":\"command\",\"command\":") + QString(5000, QLatin1Char('[')))
            << QStringLiteral("");
        QTest::newRow("invalid utf8-ish") << QStringLiteral("{\"type\":\"\\ud800\"}") << QStringLiteral("");
    }

    void invalidInput()
    {
        QFETCH(QString, text);
        QFETCH(QString, messagePart);
        sender->sendText(text);
        QVERIFY(sender->waitFor(QStringLiteral("error")));
        const QJsonObject error = sender->last(QStringLiteral("error"));
        QCOMPARE(error.value(QLatin1String("code")).toString(), QStringLiteral("invalid_message"));
        QVERIFY2(error.value(QLatin1String("message")).toString().contains(messagePart),
                 qPrintable(error.value(QLatin1String("message")).toString()));
        // Connection kept: a valid command still goes through, and only it is relayed.
        sender->send(command(QStringLiteral("add_item"), QStringLiteral("ok"), {}));
        QVERIFY(watcher->waitFor(QStringLiteral("command")));
        QCOMPARE(watcher->messages.size(), 2); // ack + the valid command (user:joined went to the sender)
        QCOMPARE(watcher->count(QStringLiteral("error")), 0);
        QVERIFY(!sender->disconnected);
        QCOMPARE(f.server->connectionCount(), 2);
    }

    void binaryFrameCloses()
    {
        sender->socket.sendBinaryMessage(QByteArrayLiteral("\x01\x02\x03"));
        QVERIFY(sender->waitDisconnected());
        QCOMPARE(sender->closeCode, 1003);
        QCOMPARE(sender->last(QStringLiteral("error")).value(QLatin1String("code")).toString(),
                 QStringLiteral("binary_not_supported"));
        QVERIFY(watcher->waitFor(QStringLiteral("user:left")));
        QCOMPARE(watcher->count(QStringLiteral("command")), 0);
    }
};

QTEST_GUILESS_MAIN(TestServerValidation)
#include "tst_server_validation.moc"
