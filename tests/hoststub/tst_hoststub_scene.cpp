// SPDX-License-Identifier: MIT
// HostScene's command API against the rules in iscene.h: validation, one
// notification per successful command with its origin, Local-only undo.
#include "HostScene.h"

#include "RecordingObserver.h"

#include <QElapsedTimer>
#include <QGraphicsScene>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUndoStack>

using Optiverse::ChangeOrigin;
using Optiverse::SceneItem;

namespace {
const QUuid kA = QUuid::fromString(QStringLiteral("{aaaaaaaa-0000-0000-0000-000000000001}"));
const QUuid kB = QUuid::fromString(QStringLiteral("{bbbbbbbb-0000-0000-0000-000000000002}"));

SceneItem lens(const QUuid &id = kA)
{
    return {id, QStringLiteral("lens"),
            {{QStringLiteral("x_mm"), 10.0}, {QStringLiteral("y_mm"), 20.0}, {QStringLiteral("focal_length_mm"), 100.0},
             {QStringLiteral("diameter_mm"), 25.4}}};
}

// Records ISceneKeysObserver calls, and where they came among the scene's.
class KeysRecorder : public Optiverse::ISceneKeysObserver
{
public:
    const RecordingObserver *scene = nullptr;
    struct Call
    {
        Optiverse::SceneItem item;
        QStringList keys;
        ChangeOrigin origin;
        qsizetype sceneEventsBefore;
    };
    QList<Call> calls;
    void itemKeysRemoved(const Optiverse::SceneItem &item, const QStringList &keys, ChangeOrigin origin) override
    {
        calls.append({item, keys, origin, scene->events.size()});
    }
};

// An observer that unregisters itself and a second one while being notified.
class SelfRemovingObserver : public Optiverse::ISceneObserver
{
public:
    Optiverse::IScene *scene = nullptr;
    Optiverse::ISceneObserver *alsoRemove = nullptr;
    int calls = 0;
    void itemAdded(const SceneItem &, ChangeOrigin) override
    {
        ++calls;
        scene->removeObserver(this);
        scene->removeObserver(alsoRemove);
    }
};
} // namespace

class TestHostScene : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_scene = new HostScene;
        m_observer = RecordingObserver();
        m_scene->addObserver(&m_observer);
    }
    void cleanup()
    {
        delete m_scene;
        m_scene = nullptr;
    }

    void addLocalStoresDataAsGivenAndIsUndoable()
    {
        QString error;
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Local, &error));
        QVERIFY(error.isEmpty());
        QCOMPARE(m_observer.kinds(), QStringList{QStringLiteral("added")});
        const SceneItem added = m_observer.events.first().item;
        QCOMPARE(m_observer.events.first().origin, ChangeOrigin::Local);
        QCOMPARE(added, lens()); // no invented keys
        QCOMPARE(m_scene->item(kA), added); // item() already returns the new state
        QCOMPARE(m_scene->items().size(), 1);
        QCOMPARE(m_scene->undoStack()->count(), 1);
    }

    void typeDefaults_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("mirror") << "mirror" << "diameter_mm" << QJsonValue(25.4);
        QTest::newRow("beamsplitter ratio") << "beamsplitter" << "ratio" << QJsonValue(0.5);
        QTest::newRow("beamsplitter size") << "beamsplitter" << "size_mm" << QJsonValue(25.4);
        QTest::newRow("dichroic") << "dichroic" << "cutoff_nm" << QJsonValue(550);
        QTest::newRow("waveplate") << "waveplate" << "retardance" << QJsonValue(QStringLiteral("lambda/2"));
        QTest::newRow("waveplate axis") << "waveplate" << "fast_axis_deg" << QJsonValue(0);
        QTest::newRow("slm w") << "slm" << "width_mm" << QJsonValue(15.36);
        QTest::newRow("slm h") << "slm" << "height_mm" << QJsonValue(8.64);
        QTest::newRow("source wl") << "source" << "wavelength_nm" << QJsonValue(633);
        QTest::newRow("source power") << "source" << "power_mw" << QJsonValue(1);
        QTest::newRow("source rays") << "source" << "n_rays" << QJsonValue(5);
        QTest::newRow("ruler") << "ruler" << "length_mm" << QJsonValue(100);
        QTest::newRow("text") << "text" << "text" << QJsonValue(QStringLiteral("Label"));
        QTest::newRow("text size") << "text" << "font_size_pt" << QJsonValue(12);
    }
    void typeDefaults()
    {
        // What the Insert menu writes into a new item; never into received ones.
        QFETCH(QString, type);
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QCOMPARE(OpticalItem::defaultData(type).value(key), value);
        const QJsonObject minimal{{QStringLiteral("x_mm"), 1.5}, {QStringLiteral("y_mm"), 0}, {QStringLiteral("angle_deg"), 0}};
        QVERIFY(m_scene->addItem({kA, type, minimal}, ChangeOrigin::Remote, nullptr));
        QCOMPARE(QJsonDocument(m_scene->item(kA).data).toJson(), QJsonDocument(minimal).toJson()); // byte for byte
        QCOMPARE(QJsonDocument(m_observer.events.last().item.data).toJson(), QJsonDocument(minimal).toJson());
    }

    void unknownTypeKeepsItsData()
    {
        const QJsonObject data{{QStringLiteral("x_mm"), 1.0},
                               {QStringLiteral("parts"), QJsonArray{1, QStringLiteral("two")}},
                               {QStringLiteral("label"), QStringLiteral("custom")}};
        QVERIFY(m_scene->addItem({kA, QStringLiteral("component"), data}, ChangeOrigin::Remote, nullptr));
        const SceneItem item = m_scene->item(kA);
        QCOMPARE(item.type, QStringLiteral("component"));
        QCOMPARE(item.data.value(QStringLiteral("parts")), QJsonValue(QJsonArray{1, QStringLiteral("two")}));
        QCOMPARE(item.data.value(QStringLiteral("label")).toString(), QStringLiteral("custom"));
        QCOMPARE(item.data, data); // stored as received: nothing added
    }

    void addRemoteNeverTouchesUndoStack()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        QCOMPARE(m_observer.events.size(), 1);
        QCOMPARE(m_observer.events.first().origin, ChangeOrigin::Remote);
        QCOMPARE(m_scene->undoStack()->count(), 0);
    }

    void addErrors_data()
    {
        QTest::addColumn<QUuid>("uuid");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QJsonObject>("data");
        QTest::addColumn<QString>("message");
        QTest::newRow("null id") << QUuid() << "lens" << QJsonObject() << "Item id must not be null.";
        QTest::newRow("duplicate") << kA << "mirror" << QJsonObject()
                                   << "An item with id {aaaaaaaa-0000-0000-0000-000000000001} already exists.";
        QTest::newRow("empty type") << kB << "" << QJsonObject() << "Item type must not be empty.";
        QTest::newRow("x not a number") << kB << "lens" << QJsonObject{{QStringLiteral("x_mm"), QStringLiteral("1")}}
                                        << "x_mm must be a number.";
        QTest::newRow("angle null") << kB << "text" << QJsonObject{{QStringLiteral("angle_deg"), QJsonValue()}}
                                    << "angle_deg must be a number.";
        QTest::newRow("param kind") << kB << "lens" << QJsonObject{{QStringLiteral("focal_length_mm"), QStringLiteral("far")}}
                                    << "focal_length_mm must be a number, not a string.";
    }
    void addErrors()
    {
        QFETCH(QUuid, uuid);
        QFETCH(QString, type);
        QFETCH(QJsonObject, data);
        QFETCH(QString, message);
        QVERIFY(m_scene->addItem(lens(kA), ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();
        const QList<SceneItem> before = m_scene->items();

        QString error;
        QVERIFY(!m_scene->addItem({uuid, type, data}, ChangeOrigin::Local, &error));
        QCOMPARE(error, message);
        QVERIFY(!m_scene->addItem({uuid, type, data}, ChangeOrigin::Remote, nullptr)); // null errorString is fine
        QVERIFY(m_observer.events.isEmpty());
        QCOMPARE(m_scene->items(), before);
        QCOMPARE(m_scene->undoStack()->count(), 0);
    }

    void moveLocalRemoteAndNoop()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();

        QVERIFY(m_scene->moveItem(kA, 1.5, -2.5, 45.0, ChangeOrigin::Local, nullptr));
        QCOMPARE(m_observer.kinds(), QStringList{QStringLiteral("moved")});
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Local);
        const QJsonObject data = m_observer.events.last().item.data;
        QCOMPARE(data.value(QStringLiteral("x_mm")).toDouble(), 1.5);
        QCOMPARE(data.value(QStringLiteral("y_mm")).toDouble(), -2.5);
        QCOMPARE(data.value(QStringLiteral("angle_deg")).toDouble(), 45.0);
        QCOMPARE(data.value(QStringLiteral("focal_length_mm")).toDouble(), 100.0); // complete data
        QCOMPARE(m_scene->findItem(kA)->pos(), QPointF(1.5, -2.5));
        QCOMPARE(m_scene->findItem(kA)->rotation(), 45.0);
        QCOMPARE(m_scene->undoStack()->count(), 1);

        QVERIFY(m_scene->moveItem(kA, 3, 4, 5, ChangeOrigin::Remote, nullptr));
        QCOMPARE(m_observer.events.size(), 2);
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Remote);
        QCOMPARE(m_scene->undoStack()->count(), 1);

        // Same pose: success, but nothing to report or undo.
        QVERIFY(m_scene->moveItem(kA, 3, 4, 5, ChangeOrigin::Local, nullptr));
        QCOMPARE(m_observer.events.size(), 2);
        QCOMPARE(m_scene->undoStack()->count(), 1);
    }

    void moveErrors()
    {
        QString error;
        QVERIFY(!m_scene->moveItem(kB, 0, 0, 0, ChangeOrigin::Local, &error));
        QCOMPARE(error, QStringLiteral("No item with id {bbbbbbbb-0000-0000-0000-000000000002}."));
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();
        QVERIFY(!m_scene->moveItem(kA, qQNaN(), 0, 0, ChangeOrigin::Local, &error));
        QCOMPARE(error, QStringLiteral("x_mm must be a finite number."));
        QVERIFY(!m_scene->moveItem(kA, 0, qInf(), 0, ChangeOrigin::Remote, &error));
        QCOMPARE(error, QStringLiteral("y_mm must be a finite number."));
        QVERIFY(!m_scene->moveItem(kA, 0, 0, -qInf(), ChangeOrigin::Remote, &error));
        QCOMPARE(error, QStringLiteral("angle_deg must be a finite number."));
        QVERIFY(m_observer.events.isEmpty());
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("x_mm")).toDouble(), 10.0);
    }

    void updateMergesAndReportsChangedKeys()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();

        // diameter is unchanged, so only the two others are reported.
        const QJsonObject patch{{QStringLiteral("focal_length_mm"), 50.0},
                                {QStringLiteral("diameter_mm"), 25.4},
                                {QStringLiteral("coating"), QStringLiteral("AR")}};
        QVERIFY(m_scene->updateItem(kA, patch, ChangeOrigin::Local, nullptr));
        QCOMPARE(m_observer.kinds(), QStringList{QStringLiteral("updated")});
        const auto &e = m_observer.events.last();
        QCOMPARE(e.origin, ChangeOrigin::Local);
        QCOMPARE(e.changedKeys, (QStringList{QStringLiteral("coating"), QStringLiteral("focal_length_mm")}));
        QCOMPARE(e.item.data.value(QStringLiteral("focal_length_mm")).toDouble(), 50.0);
        QCOMPARE(e.item.data.value(QStringLiteral("x_mm")).toDouble(), 10.0); // kept
        QCOMPARE(m_scene->undoStack()->count(), 1);

        // Undo restores the old value and deletes the key that was new; reported
        // Local: the deletion to ISceneKeysObserver first, then itemUpdated
        // naming only keys the data still has (ISceneKeys rules).
        KeysRecorder keys;
        keys.scene = &m_observer;
        m_scene->addKeysObserver(&keys);
        const qsizetype before = m_observer.events.size();
        m_scene->undoStack()->undo();
        QCOMPARE(keys.calls.size(), 1);
        QCOMPARE(keys.calls.first().keys, QStringList{QStringLiteral("coating")});
        QCOMPARE(keys.calls.first().origin, ChangeOrigin::Local);
        QCOMPARE(keys.calls.first().sceneEventsBefore, before); // before itemUpdated
        QCOMPARE(keys.calls.first().item, m_scene->item(kA));
        QCOMPARE(m_observer.events.last().kind, QStringLiteral("updated"));
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Local);
        QCOMPARE(m_observer.events.last().changedKeys, QStringList{QStringLiteral("focal_length_mm")});
        m_scene->removeKeysObserver(&keys);
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("focal_length_mm")).toDouble(), 100.0);
        QVERIFY(!m_scene->item(kA).data.contains(QStringLiteral("coating")));
        m_scene->undoStack()->redo();
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("coating")).toString(), QStringLiteral("AR"));
    }

    void removeKeysDeletesUndoablyAndRemoteNeverOnTheStack()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        KeysRecorder keys;
        keys.scene = &m_observer;
        m_scene->addKeysObserver(&keys);
        m_observer.events.clear();
        QString error;
        QVERIFY(!m_scene->removeKeys(kA, {QStringLiteral("x_mm")}, ChangeOrigin::Local, &error));
        QCOMPARE(error, QStringLiteral("x_mm cannot be deleted."));
        QVERIFY(!m_scene->removeKeys(kB, {QStringLiteral("diameter_mm")}, ChangeOrigin::Local, &error));
        QVERIFY(m_scene->removeKeys(kA, {QStringLiteral("nope")}, ChangeOrigin::Local, &error)); // nothing to delete
        QCOMPARE(m_observer.events.size(), 0);
        QCOMPARE(keys.calls.size(), 0);

        QVERIFY(m_scene->removeKeys(kA, {QStringLiteral("diameter_mm")}, ChangeOrigin::Local, &error));
        QVERIFY(!m_scene->item(kA).data.contains(QStringLiteral("diameter_mm")));
        QCOMPARE(keys.calls.size(), 1);
        QCOMPARE(m_observer.kinds(), QStringList{QStringLiteral("updated")});
        QVERIFY(m_observer.events.last().changedKeys.isEmpty()); // nothing in data changed value
        QCOMPARE(m_scene->undoStack()->count(), 1);
        m_scene->undoStack()->undo(); // puts it back
        QCOMPARE(m_scene->item(kA), lens());

        QVERIFY(m_scene->removeKeys(kA, {QStringLiteral("focal_length_mm")}, ChangeOrigin::Remote, &error));
        QCOMPARE(keys.calls.last().origin, ChangeOrigin::Remote);
        QCOMPARE(m_scene->undoStack()->count(), 1); // the Remote deletion is not undoable here
        m_scene->removeKeysObserver(&keys);
    }

    void zValueOrdersDrawing()
    {
        QVERIFY(m_scene->addItem(lens(kA), ChangeOrigin::Remote, nullptr));
        SceneItem top = lens(kB);
        top.data.insert(QStringLiteral("z_value"), 3);
        QVERIFY(m_scene->addItem(top, ChangeOrigin::Remote, nullptr));
        QCOMPARE(m_scene->findItem(kA)->zValue(), 0.0);
        QCOMPARE(m_scene->findItem(kB)->zValue(), 3.0);
        QCOMPARE(m_scene->graphicsScene()->items(QPointF(10, 20)).first(), m_scene->findItem(kB)); // on top
        QCOMPARE(m_scene->nextZValue(), 4.0);
        QVERIFY(m_scene->updateItem(kA, {{QStringLiteral("z_value"), 5.5}}, ChangeOrigin::Remote, nullptr));
        QCOMPARE(m_scene->graphicsScene()->items(QPointF(10, 20)).first(), m_scene->findItem(kA));
        QCOMPARE(m_scene->nextZValue(), 6.0);
    }

    void updateOfPoseOnlyIsReportedAsMove()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();
        QVERIFY(m_scene->updateItem(kA, {{QStringLiteral("x_mm"), 99.0}, {QStringLiteral("angle_deg"), 0.0}},
                                    ChangeOrigin::Remote, nullptr));
        QCOMPARE(m_observer.kinds(), QStringList{QStringLiteral("moved")});
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Remote);
        QCOMPARE(m_scene->findItem(kA)->pos().x(), 99.0);
        QCOMPARE(m_scene->undoStack()->count(), 0);
    }

    void updateNoopAndErrors()
    {
        QString error;
        QVERIFY(!m_scene->updateItem(kB, {{QStringLiteral("a"), 1}}, ChangeOrigin::Local, &error));
        QCOMPARE(error, QStringLiteral("No item with id {bbbbbbbb-0000-0000-0000-000000000002}."));

        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();
        QVERIFY(m_scene->updateItem(kA, {{QStringLiteral("focal_length_mm"), 100.0}}, ChangeOrigin::Local, &error));
        QVERIFY(m_scene->updateItem(kA, {}, ChangeOrigin::Local, &error));
        QVERIFY(m_observer.events.isEmpty());
        QCOMPARE(m_scene->undoStack()->count(), 0);

        QVERIFY(!m_scene->updateItem(kA, {{QStringLiteral("y_mm"), true}}, ChangeOrigin::Local, &error));
        QCOMPARE(error, QStringLiteral("y_mm must be a number."));
        QVERIFY(!m_scene->updateItem(kA, {{QStringLiteral("diameter_mm"), QStringLiteral("big")}},
                                     ChangeOrigin::Remote, &error));
        QCOMPARE(error, QStringLiteral("diameter_mm must be a number, not a string."));
        QVERIFY(m_observer.events.isEmpty());
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("diameter_mm")).toDouble(), 25.4);
    }

    void removeLocalRemoteAndErrors()
    {
        QString error;
        QVERIFY(!m_scene->removeItem(kA, ChangeOrigin::Local, &error));
        QCOMPARE(error, QStringLiteral("No item with id {aaaaaaaa-0000-0000-0000-000000000001}."));
        QVERIFY(m_observer.events.isEmpty());

        QVERIFY(m_scene->addItem(lens(kA), ChangeOrigin::Remote, nullptr));
        QVERIFY(m_scene->addItem(lens(kB), ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();
        QVERIFY(m_scene->removeItem(kA, ChangeOrigin::Local, nullptr));
        QCOMPARE(m_observer.kinds(), QStringList{QStringLiteral("removed")});
        QCOMPARE(m_observer.events.last().item.uuid, kA);
        QCOMPARE(m_observer.events.last().item.type, QStringLiteral("lens"));
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Local);
        QVERIFY(m_scene->item(kA).uuid.isNull());
        QVERIFY(!m_scene->findItem(kA));
        QCOMPARE(m_scene->undoStack()->count(), 1);

        QVERIFY(m_scene->removeItem(kB, ChangeOrigin::Remote, nullptr));
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Remote);
        QCOMPARE(m_scene->undoStack()->count(), 1);
        QCOMPARE(m_scene->graphicsScene()->items().size(), 0);

        // Undo re-adds the local removal, reported as Local.
        m_scene->undoStack()->undo();
        QCOMPARE(m_observer.events.last().kind, QStringLiteral("added"));
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Local);
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("x_mm")).toDouble(), 10.0);
    }

    void undoRedoAreReportedAsLocal()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Local, nullptr));
        QVERIFY(m_scene->moveItem(kA, 5, 6, 7, ChangeOrigin::Local, nullptr));
        QVERIFY(m_scene->moveItem(kA, 50, 60, 70, ChangeOrigin::Remote, nullptr)); // not undoable
        QCOMPARE(m_scene->undoStack()->count(), 2);
        m_observer.events.clear();

        m_scene->undoStack()->undo(); // the local move: back to its start pose
        QCOMPARE(m_observer.kinds(), QStringList{QStringLiteral("moved")});
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Local);
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("x_mm")).toDouble(), 10.0);
        m_scene->undoStack()->undo(); // the add
        QCOMPARE(m_observer.events.last().kind, QStringLiteral("removed"));
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Local);
        m_scene->undoStack()->redo();
        QCOMPARE(m_observer.events.last().kind, QStringLiteral("added"));
        QCOMPARE(m_observer.events.last().origin, ChangeOrigin::Local);
        m_scene->undoStack()->redo();
        QCOMPARE(m_observer.events.last().kind, QStringLiteral("moved"));
        // Redo puts back the pose the undo replaced (the remote one): undo
        // then redo is back where it was (IUndoHost rule, contract 1.2).
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("angle_deg")).toDouble(), 70.0);
        for (const auto &e : std::as_const(m_observer.events))
            QCOMPARE(e.origin, ChangeOrigin::Local);
    }

    void remoteRemoveThenUndoDoesNotCrash()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Local, nullptr));
        QVERIFY(m_scene->moveItem(kA, 1, 2, 3, ChangeOrigin::Local, nullptr));
        QVERIFY(m_scene->updateItem(kA, {{QStringLiteral("focal_length_mm"), 75.0}}, ChangeOrigin::Local, nullptr));
        QCOMPARE(m_scene->undoStack()->count(), 3);
        QVERIFY(m_scene->removeItem(kA, ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();

        // Each undo finds nothing to act on: no change, no notification, entry dropped.
        QUndoStack *stack = m_scene->undoStack();
        while (stack->canUndo())
            stack->undo();
        QVERIFY(m_observer.events.isEmpty());
        QCOMPARE(m_scene->count(), 0);
        QCOMPARE(stack->count(), 0);
        QVERIFY(!stack->canRedo());
    }

    void remoteReAddThenRedoDoesNotCrash()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Local, nullptr));
        m_scene->undoStack()->undo();
        QVERIFY(m_scene->addItem({kA, QStringLiteral("mirror"), {}}, ChangeOrigin::Remote, nullptr));
        m_observer.events.clear();
        m_scene->undoStack()->redo(); // the uuid exists again: the local add has nothing to do
        QVERIFY(m_observer.events.isEmpty());
        QCOMPARE(m_scene->item(kA).type, QStringLiteral("mirror"));
        QCOMPARE(m_scene->undoStack()->count(), 0);
    }

    void remoteEditSurvivesUndoOfOtherKeys()
    {
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Remote, nullptr));
        QVERIFY(m_scene->updateItem(kA, {{QStringLiteral("focal_length_mm"), 30.0}}, ChangeOrigin::Local, nullptr));
        QVERIFY(m_scene->updateItem(kA, {{QStringLiteral("diameter_mm"), 50.0}}, ChangeOrigin::Remote, nullptr));
        m_scene->undoStack()->undo();
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("focal_length_mm")).toDouble(), 100.0);
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("diameter_mm")).toDouble(), 50.0);
    }

    void observerRegistration()
    {
        m_scene->addObserver(&m_observer); // twice: no effect
        QVERIFY(m_scene->addItem(lens(), ChangeOrigin::Local, nullptr));
        QCOMPARE(m_observer.events.size(), 1);

        // Removing observers from inside a notification is safe, and a removed
        // observer is not called any more, even in the same round.
        RecordingObserver later;
        SelfRemovingObserver remover;
        remover.scene = m_scene;
        remover.alsoRemove = &later;
        m_scene->removeObserver(&m_observer);
        m_scene->addObserver(&remover);
        m_scene->addObserver(&later);
        QVERIFY(m_scene->addItem(lens(kB), ChangeOrigin::Remote, nullptr));
        QCOMPARE(remover.calls, 1);
        QVERIFY(later.events.isEmpty());
        QVERIFY(m_scene->removeItem(kB, ChangeOrigin::Remote, nullptr));
        QCOMPARE(remover.calls, 1);
        QCOMPARE(m_observer.events.size(), 1);
    }

    void bulkAddOfTenThousandItems()
    {
        QList<QUuid> ids;
        for (int i = 0; i < 10000; ++i)
            ids.append(QUuid::createUuid());
        m_observer.events.reserve(10000);
        QElapsedTimer timer;
        timer.start();
        m_scene->beginBulkChange();
        m_scene->beginBulkChange(); // nests
        for (int i = 0; i < ids.size(); ++i) {
            const SceneItem item{ids.at(i), QStringLiteral("lens"),
                                 {{QStringLiteral("x_mm"), (i % 100) * 30.0},
                                  {QStringLiteral("y_mm"), (i / 100) * 30.0}}};
            QVERIFY(m_scene->addItem(item, ChangeOrigin::Remote, nullptr));
        }
        m_scene->endBulkChange();
        QVERIFY(m_scene->isInBulkChange());
        m_scene->endBulkChange();
        QVERIFY(!m_scene->isInBulkChange());
        const qint64 ms = timer.elapsed();
        qInfo("10,000 items added in a bulk bracket in %lld ms (this build type)", ms);
        QCOMPARE(m_scene->count(), 10000);
        QCOMPARE(m_observer.events.size(), 10000); // still notified per command
        QCOMPARE(m_scene->graphicsScene()->itemIndexMethod(), QGraphicsScene::BspTreeIndex);
        QVERIFY(m_scene->graphicsScene()->sceneRect().contains(QPointF(99 * 30.0, 99 * 30.0)));
        QCOMPARE(m_scene->graphicsScene()->items(QPointF(30.0 * 7, 30.0 * 3)).size(), 1);
        QVERIFY(m_scene->findItem(ids.at(5000)));
    }

    void dumpIsSortedByUuidWithoutBraces()
    {
        QVERIFY(m_scene->addItem(lens(kB), ChangeOrigin::Remote, nullptr));
        QVERIFY(m_scene->addItem({kA, QStringLiteral("text"), {}}, ChangeOrigin::Remote, nullptr));
        const QJsonArray items = m_scene->toJson().value(QStringLiteral("items")).toArray();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items.at(0)[QStringLiteral("item_uuid")].toString(), QStringLiteral("aaaaaaaa-0000-0000-0000-000000000001"));
        QCOMPARE(items.at(0)[QStringLiteral("item_type")].toString(), QStringLiteral("text"));
        QCOMPARE(items.at(1)[QStringLiteral("item_uuid")].toString(), QStringLiteral("bbbbbbbb-0000-0000-0000-000000000002"));
        QCOMPARE(items.at(1)[QStringLiteral("data")].toObject(), m_scene->item(kB).data);
    }

private:
    HostScene *m_scene = nullptr;
    RecordingObserver m_observer;
};

QTEST_MAIN(TestHostScene)
#include "tst_hoststub_scene.moc"
