// SPDX-License-Identifier: MIT
// The conflict rules (SessionModel), as the server applies them and as each
// client's shadow of the server's state does: commands go through the real
// wire (MessageFactory -> Message::parse) like every inbound frame.
#include "Message.h"
#include "MessageFactory.h"
#include "Protocol.h"
#include "SessionModel.h"

#include <QJsonArray>
#include <QTest>

using namespace Optiverse::Collab;

namespace {

const QString Lens = QStringLiteral("5e0d1c1a-0000-4000-8000-000000000001");
const QString Mirror = QStringLiteral("5e0d1c1a-0000-4000-8000-000000000002");

// A command as a peer sends it, through the gate every inbound frame passes.
Command wire(const QJsonObject &command)
{
    const QByteArray text = MessageFactory::toBytes(
        {{QLatin1String("type"), QLatin1String("command")}, {QLatin1String("command"), command}});
    Message message;
    QString error;
    if (!Message::parse(text, &message, &error))
        qFatal("the test's command does not parse: %s", qPrintable(error));
    return message.command();
}

Command add(const QString &id, const QJsonObject &data, const QString &type = QStringLiteral("lens"))
{
    return wire({{QLatin1String("action"), QLatin1String("add_item")}, {QLatin1String("item_id"), id},
                 {QLatin1String("item_type"), type}, {QLatin1String("data"), data}});
}

Command move(const QString &id, double x, double y, const QString &type = {})
{
    QJsonObject c{{QLatin1String("action"), QLatin1String("move_item")}, {QLatin1String("item_id"), id},
                  {QLatin1String("data"), QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), y}}}};
    if (!type.isEmpty())
        c.insert(QLatin1String("item_type"), type);
    return wire(c);
}

Command update(const QString &id, const QJsonObject &data, const QStringList &changed = {},
               const QStringList &removed = {})
{
    QJsonObject c{{QLatin1String("action"), QLatin1String("update_item")}, {QLatin1String("item_id"), id},
                  {QLatin1String("data"), data}};
    if (!changed.isEmpty() || !removed.isEmpty())
        c.insert(QLatin1String("changed_keys"), QJsonArray::fromStringList(changed));
    if (!removed.isEmpty())
        c.insert(QLatin1String("removed_keys"), QJsonArray::fromStringList(removed));
    return wire(c);
}

Command remove(const QString &id)
{
    return wire({{QLatin1String("action"), QLatin1String("remove_item")}, {QLatin1String("item_id"), id}});
}

QJsonObject dataOf(const SessionModel &model, const QString &id)
{
    const StateItem *item = model.find(id);
    return item ? item->data : QJsonObject{};
}

} // namespace

class TestSessionModel : public QObject
{
    Q_OBJECT
private slots:
    void perPropertyLastWriterWins();
    void updateWithoutChangedKeysWritesAllOfData();
    void removalBeatsLaterEdits();
    void addIsIdempotent();
    void addOfRemovedIdRecreatesIt();
    void editCarryingTheWholeItemAddsIt();
    void removedKeysAreDeleted();
    void prepareChangesNothing();
    void pushIsMergedNeverReplaces();
    void keysWrittenPerAction();
    void clientShadowFollowsTheServersRelays();
};

void TestSessionModel::perPropertyLastWriterWins()
{
    SessionModel model;
    QVERIFY(model.apply(add(Lens, {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0},
                                   {QLatin1String("label"), QLatin1String("L1")}})));
    // alice renames, bob moves: both stand, neither undoes the other.
    QVERIFY(model.apply(update(Lens, {{QLatin1String("label"), QLatin1String("alice's")}}, {QStringLiteral("label")})));
    QVERIFY(model.apply(move(Lens, 10, 20)));
    QCOMPARE(dataOf(model, Lens).value(QLatin1String("label")).toString(), QStringLiteral("alice's"));
    QCOMPARE(dataOf(model, Lens).value(QLatin1String("x_mm")).toDouble(), 10.0);
    // The same property twice: the later one in the server's order wins.
    QVERIFY(model.apply(update(Lens, {{QLatin1String("label"), QLatin1String("bob's")}}, {QStringLiteral("label")})));
    QCOMPARE(dataOf(model, Lens).value(QLatin1String("label")).toString(), QStringLiteral("bob's"));
    QCOMPARE(dataOf(model, Lens).value(QLatin1String("y_mm")).toDouble(), 20.0);
}

void TestSessionModel::updateWithoutChangedKeysWritesAllOfData()
{
    // Original clients send the whole item without changed_keys.
    SessionModel model;
    QVERIFY(model.apply(add(Lens, {{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 2.0},
                                   {QLatin1String("focal_length_mm"), 50.0}})));
    QVERIFY(model.apply(update(Lens, {{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 2.0},
                                      {QLatin1String("focal_length_mm"), 75.0}})));
    QCOMPARE(dataOf(model, Lens).value(QLatin1String("focal_length_mm")).toDouble(), 75.0);
}

void TestSessionModel::removalBeatsLaterEdits()
{
    SessionModel model;
    QVERIFY(model.apply(add(Lens, {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0}})));
    QVERIFY(model.apply(remove(Lens)));
    QVERIFY(!model.contains(Lens));
    QVERIFY(model.wasRemoved(Lens));
    QString reason;
    // A concurrent move, even one carrying the whole item, does not bring it back.
    QVERIFY(!model.apply(move(Lens, 5, 5, QStringLiteral("lens")), &reason));
    QCOMPARE(reason, QString(Protocol::RejectItemRemoved));
    QVERIFY(!model.apply(update(Lens, {{QLatin1String("label"), QLatin1String("x")}}), &reason));
    QCOMPARE(reason, QString(Protocol::RejectItemRemoved));
    QVERIFY(!model.apply(remove(Lens), &reason));
    QCOMPARE(reason, QString(Protocol::RejectItemRemoved));
    QVERIFY(model.isEmpty());
    QCOMPARE(model.removedIds(), QStringList{Lens});
}

void TestSessionModel::addIsIdempotent()
{
    SessionModel model;
    const QJsonObject first{{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 1.0}};
    QVERIFY(model.apply(add(Lens, first)));
    QString reason;
    QVERIFY(!model.apply(add(Lens, {{QLatin1String("x_mm"), 9.0}, {QLatin1String("y_mm"), 9.0}}, QStringLiteral("mirror")),
                         &reason));
    QCOMPARE(reason, QString(Protocol::RejectItemExists));
    QCOMPARE(model.size(), 1);
    QCOMPARE(model.find(Lens)->type, QStringLiteral("lens"));
    QCOMPARE(dataOf(model, Lens), first);
}

void TestSessionModel::addOfRemovedIdRecreatesIt()
{
    // An undo of a removal re-adds the same id.
    SessionModel model;
    QVERIFY(model.apply(add(Lens, {{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 1.0}})));
    QVERIFY(model.apply(remove(Lens)));
    SessionModel::Change change;
    QString reason;
    QVERIFY(model.prepare(add(Lens, {{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 1.0}}), &change, &reason));
    QVERIFY(change.created);
    QVERIFY(change.wasRemoved);
    model.commit(change);
    QVERIFY(model.contains(Lens));
    QVERIFY(!model.wasRemoved(Lens));
    QVERIFY(model.removedIds().isEmpty());
}

void TestSessionModel::editCarryingTheWholeItemAddsIt()
{
    SessionModel model;
    QString reason;
    // Only a pose, no type: nothing to create the item from.
    QVERIFY(!model.apply(move(Mirror, 3, 4), &reason));
    QCOMPARE(reason, QString(Protocol::RejectItemNotFound));
    QVERIFY(!model.apply(update(Mirror, {{QLatin1String("label"), QLatin1String("m")}}), &reason));
    QCOMPARE(reason, QString(Protocol::RejectItemNotFound));
    QVERIFY(model.neverHadItems());
    // An original client's edit carries the whole item: it adds it.
    SessionModel::Change change;
    QVERIFY(model.prepare(move(Mirror, 3, 4, QStringLiteral("mirror")), &change, &reason));
    QVERIFY(change.created);
    QVERIFY(!change.wasRemoved);
    model.commit(change);
    QCOMPARE(model.find(Mirror)->type, QStringLiteral("mirror"));
    QCOMPARE(dataOf(model, Mirror).value(QLatin1String("y_mm")).toDouble(), 4.0);
    QVERIFY(SessionModel::carriesWholeItem(move(Mirror, 0, 0, QStringLiteral("mirror"))));
    QVERIFY(!SessionModel::carriesWholeItem(move(Mirror, 0, 0)));
}

void TestSessionModel::removedKeysAreDeleted()
{
    SessionModel model;
    QVERIFY(model.apply(add(Lens, {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0},
                                   {QLatin1String("label"), QLatin1String("L")}, {QLatin1String("note"), 1}})));
    // data stays the whole item without the key (what original peers rebuild from).
    QVERIFY(model.apply(update(Lens, {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0},
                                      {QLatin1String("label"), QLatin1String("L2")}},
                               {QStringLiteral("label")}, {QStringLiteral("note")})));
    const QJsonObject expected{{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0},
                               {QLatin1String("label"), QLatin1String("L2")}};
    QCOMPARE(dataOf(model, Lens), expected);
}

void TestSessionModel::prepareChangesNothing()
{
    SessionModel model;
    QVERIFY(model.apply(add(Lens, {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0}})));
    const QList<StateItem> before = model.items();
    SessionModel::Change change;
    QString reason;
    QVERIFY(model.prepare(remove(Lens), &change, &reason));
    QVERIFY(change.remove);
    QVERIFY(model.prepare(move(Lens, 7, 7), &change, &reason));
    QCOMPARE(change.item.data.value(QLatin1String("x_mm")).toDouble(), 7.0);
    QCOMPARE(model.items(), before);
    QVERIFY(!model.wasRemoved(Lens));
}

void TestSessionModel::pushIsMergedNeverReplaces()
{
    SessionModel model;
    QVERIFY(model.apply(add(Lens, {{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 1.0}})));
    QVERIFY(model.apply(add(Mirror, {{QLatin1String("x_mm"), 2.0}, {QLatin1String("y_mm"), 2.0}}, QStringLiteral("mirror"))));
    QVERIFY(model.apply(remove(Mirror)));
    const QString source = QStringLiteral("5e0d1c1a-0000-4000-8000-000000000003");
    // An old snapshot: the lens elsewhere and with a key the session lacks,
    // the removed mirror, a new source; the session's values stand.
    const QList<StateItem> pushed{
        {Lens, QStringLiteral("lens"), {{QLatin1String("x_mm"), 5.0}, {QLatin1String("y_mm"), 1.0}, {QLatin1String("label"), QLatin1String("L")}}},
        {Mirror, QStringLiteral("mirror"), {{QLatin1String("x_mm"), 2.0}, {QLatin1String("y_mm"), 2.0}}},
        {source, QStringLiteral("source"), {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0}}}};
    const SessionModel::MergeResult result = model.merge(pushed);
    QVERIFY(result.differsFromPush);
    QCOMPARE(model.ids(), (QStringList{Lens, source}));
    QCOMPARE(dataOf(model, Lens).value(QLatin1String("x_mm")).toDouble(), 1.0);
    QCOMPARE(dataOf(model, Lens).value(QLatin1String("label")).toString(), QStringLiteral("L"));
    QCOMPARE(result.changed.size(), 2);
    // The same push again changes nothing more.
    QVERIFY(model.merge(pushed).changed.isEmpty());
    // A push of exactly the session's items does not differ.
    QVERIFY(!model.merge(model.items()).differsFromPush);
}

void TestSessionModel::keysWrittenPerAction()
{
    QCOMPARE(SessionModel::keysWritten(move(Lens, 1, 2)), SessionModel::poseKeys()); // the whole pose
    QCOMPARE(SessionModel::poseKeys(), (QStringList{Protocol::FieldXmm, Protocol::FieldYmm, Protocol::FieldAngleDeg}));
    QCOMPARE(SessionModel::keysWritten(update(Lens, {{QLatin1String("a"), 1}, {QLatin1String("b"), 2}},
                                              {QStringLiteral("a")}, {QStringLiteral("c")})),
             (QStringList{QStringLiteral("a"), QStringLiteral("c")}));
    QCOMPARE(SessionModel::keysWritten(update(Lens, {{QLatin1String("a"), 1}, {QLatin1String("b"), 2}})),
             (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    QCOMPARE(SessionModel::keysWritten(add(Lens, {{QLatin1String("x_mm"), 1.0}})), QStringList{QStringLiteral("x_mm")});
    QVERIFY(SessionModel::keysWritten(remove(Lens)).isEmpty());
}

void TestSessionModel::clientShadowFollowsTheServersRelays()
{
    // The server takes an original client's move of an unknown item as its
    // add and relays the add; a client's shadow, fed the relays, holds what
    // the server holds, refusals included.
    SessionModel server, shadow;
    const QList<Command> sent{add(Lens, {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0}}),
                              move(Mirror, 3, 4, QStringLiteral("mirror")),
                              update(Lens, {{QLatin1String("label"), QLatin1String("L")}}, {QStringLiteral("label")}),
                              remove(Mirror),
                              move(Mirror, 1, 1, QStringLiteral("mirror")), // refused: removed
                              add(Lens, {{QLatin1String("x_mm"), 9.0}, {QLatin1String("y_mm"), 9.0}})}; // refused: exists
    int relayed = 0;
    for (const Command &c : sent) {
        SessionModel::Change change;
        QString reason;
        if (!server.prepare(c, &change, &reason))
            continue;
        server.commit(change);
        Command relay = c;
        if (change.created && c.action != Command::Action::Add) { // as ServerSession relays it
            relay.action = Command::Action::Add;
            relay.changedKeys.clear();
        }
        QVERIFY(shadow.apply(wire(relay.toJson())));
        ++relayed;
    }
    QCOMPARE(relayed, 4);
    QCOMPARE(shadow.items(), server.items());
    QCOMPARE(shadow.removedIds(), server.removedIds());
}

QTEST_GUILESS_MAIN(TestSessionModel)
#include "tst_sessionmodel.moc"
