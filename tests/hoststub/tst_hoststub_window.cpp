// SPDX-License-Identifier: MIT
// HostMainWindow as an IHost (menus, status widgets, optional interfaces),
// its UI edits (insert, delete, properties, mouse drag) and the presence overlay.
#include "HostMainWindow.h"
#include "HostScene.h"
#include "PresenceOverlay.h"
#include "PropertiesDialog.h"
#include "RecordingObserver.h"
#include "RemotePointerItem.h"

#include <optiverse/ipresencehost.h>
#include <optiverse/ipresenceobserver.h>
#include <optiverse/isessionhost.h>

#include <QDoubleSpinBox>
#include <QGraphicsPathItem>
#include <QGraphicsView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QTest>
#include <QUndoStack>

using Optiverse::ChangeOrigin;

namespace {
const QUuid kA = QUuid::fromString(QStringLiteral("{aaaaaaaa-0000-0000-0000-000000000001}"));
const QUuid kB = QUuid::fromString(QStringLiteral("{bbbbbbbb-0000-0000-0000-000000000002}"));

class RecordingPresenceObserver : public Optiverse::IPresenceObserver
{
public:
    void localPointerMoved(const QPointF &posMm) override { moves.append(posMm); }
    void localPointerLeft() override { ++left; }
    void localSelectionChanged(const QList<QUuid> &uuids) override { selections.append(uuids); }
    QList<QPointF> moves;
    int left = 0;
    QList<QList<QUuid>> selections;
};
} // namespace

class TestHostWindow : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_window = new HostMainWindow;
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
        m_scene = m_window->hostScene();
    }
    void cleanup()
    {
        delete m_window;
        m_window = nullptr;
    }

    void menus()
    {
        QStringList titles;
        for (QAction *a : m_window->menuBar()->actions())
            titles << a->text();
        QCOMPARE(titles, (QStringList{QStringLiteral("&File"), QStringLiteral("&Edit"), QStringLiteral("&View"),
                                      QStringLiteral("&Insert"),
                                      QStringLiteral("&Plugins"), QStringLiteral("&Help")}));
        for (const char *type : {"source", "lens", "mirror", "beamsplitter", "dichroic", "waveplate", "slm",
                                 "ruler", "text"})
            QVERIFY2(m_window->insertAction(QLatin1String(type)), type);
        QCOMPARE(m_window->mainWindow(), m_window);
        QCOMPARE(m_window->scene(), static_cast<Optiverse::IScene *>(m_scene));
    }

    void pluginMenuGoesBeforeHelpAndIsNotDeleted()
    {
        QMenu menu(QStringLiteral("Plugin Menu"));
        m_window->addMenu(&menu);
        const QList<QAction *> actions = m_window->menuBar()->actions();
        const qsizetype help = actions.indexOf(m_window->helpMenu()->menuAction());
        QCOMPARE(actions.indexOf(menu.menuAction()), help - 1);
        m_window->removeMenu(&menu);
        QVERIFY(!m_window->menuBar()->actions().contains(menu.menuAction()));
        QCOMPARE(menu.title(), QStringLiteral("Plugin Menu")); // still alive, still ours
    }

    void statusWidgetsAreShownAndHandedBack()
    {
        auto *label = new QLabel(QStringLiteral("status"));
        QWidget holder;
        auto *owned = new QLabel(QStringLiteral("owned"), &holder);
        m_window->addStatusWidget(label);
        m_window->addStatusWidget(owned);
        QCOMPARE(label->parentWidget(), m_window->statusBar());
        QVERIFY(label->isVisible());
        QVERIFY(owned->isVisible());
        // Permanent widgets sit at the right of the status bar.
        QVERIFY(label->geometry().right() > m_window->statusBar()->width() / 2);

        m_window->removeStatusWidget(label);
        m_window->removeStatusWidget(owned);
        QVERIFY(!label->isVisible());
        QCOMPARE(label->parentWidget(), nullptr);
        QCOMPARE(owned->parentWidget(), &holder); // back where the plugin had it
        delete label;
        // Re-adding after removal shows it again.
        m_window->addStatusWidget(owned);
        QVERIFY(owned->isVisible());
        m_window->removeStatusWidget(owned);
    }

    void queryInterfaceComparesStrings()
    {
        QVERIFY(m_window->queryInterface(OPTIVERSE_IPRESENCEHOST_IID));
        const QByteArray copy(OPTIVERSE_IPRESENCEHOST_IID); // another pointer, same text
        QCOMPARE(m_window->queryInterface(copy.constData()), m_window->queryInterface(OPTIVERSE_IPRESENCEHOST_IID));
        auto *presence = Optiverse::queryInterface<Optiverse::IPresenceHost>(m_window);
        QCOMPARE(presence, static_cast<Optiverse::IPresenceHost *>(m_window->presence()));
        QCOMPARE(m_window->queryInterface("org.optiverse.IPresenceHost/2.0"), nullptr);
        QCOMPARE(m_window->queryInterface(nullptr), nullptr);
    }

    void insertActionsAddAtViewCentre()
    {
        RecordingObserver observer;
        m_scene->addObserver(&observer);
        m_window->insertAction(QStringLiteral("mirror"))->trigger();
        QCOMPARE(m_scene->count(), 1);
        QCOMPARE(observer.kinds(), QStringList{QStringLiteral("added")});
        QCOMPARE(observer.events.first().origin, ChangeOrigin::Local);
        const Optiverse::SceneItem item = observer.events.first().item;
        QCOMPARE(item.type, QStringLiteral("mirror"));
        QVERIFY(!item.uuid.isNull());
        const QPointF centre = m_window->view()->mapToScene(m_window->view()->viewport()->rect().center());
        QCOMPARE(item.data.value(QStringLiteral("x_mm")).toDouble(), centre.x());
        QCOMPARE(item.data.value(QStringLiteral("y_mm")).toDouble(), centre.y());
        QCOMPARE(m_scene->undoStack()->count(), 1);
        // The host made it, so its data carries the type's defaults (every peer
        // draws it alike) and a z_value: 0 in an empty scene, then on top.
        QCOMPARE(item.data.value(QStringLiteral("diameter_mm")).toDouble(), 25.4);
        QCOMPARE(item.data.value(QStringLiteral("z_value")).toDouble(), 0.0);
        QVERIFY(m_scene->addItem({kA, QStringLiteral("lens"), {{QStringLiteral("z_value"), 7.0}}}, ChangeOrigin::Remote, nullptr));
        m_window->insertAction(QStringLiteral("text"))->trigger();
        QCOMPARE(m_scene->count(), 3);
        const Optiverse::SceneItem text = observer.events.last().item;
        QCOMPARE(text.data.value(QStringLiteral("text")).toString(), QStringLiteral("Label"));
        QCOMPARE(text.data.value(QStringLiteral("z_value")).toDouble(), 8.0); // above the highest
        QCOMPARE(m_scene->findItem(text.uuid)->zValue(), 8.0);
        // The next one does not land on the first: 10 mm further on the diagonal.
        QCOMPARE(text.data.value(QStringLiteral("x_mm")).toDouble(), centre.x() + 10);
        QCOMPARE(text.data.value(QStringLiteral("y_mm")).toDouble(), centre.y() + 10);
        m_scene->removeObserver(&observer);
    }

    void sessionTitleAndShutdownWarning()
    {
        // A plugin tells the host, through the optional ISessionHost, what
        // the title shows and what leaving would end for others.
        auto *session = Optiverse::queryInterface<Optiverse::ISessionHost>(m_window);
        QVERIFY(session);
        QCOMPARE(m_window->queryInterface("org.optiverse.ISessionHost/2.0"), nullptr);
        auto *plugin = reinterpret_cast<Optiverse::IPlugin *>(quintptr(0x10)); // an identity, never called
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Optiverse Host Stub"));
        session->setSessionTitle(plugin, QStringLiteral("alice — lab"));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("alice — lab — Optiverse Host Stub"));
        session->setSessionTitle(plugin, QString());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Optiverse Host Stub"));

        QStringList asked;
        bool answer = false;
        m_window->setLeaveConfirmation([&](const QStringList &w) { return asked += w, answer; });
        QVERIFY(m_window->close()); // nothing to warn about: closes without asking
        QVERIFY(asked.isEmpty());
        m_window->show();
        session->setShutdownWarning(plugin, QStringLiteral("bob loses the session"));
        QVERIFY(!m_window->close());
        QCOMPARE(asked, QStringList{QStringLiteral("bob loses the session")});
        QVERIFY(m_window->isVisible());
        answer = true;
        QVERIFY(m_window->close());
        session->setShutdownWarning(plugin, QString());
    }

    void deleteRemovesSelectionAsOneUndoStep()
    {
        QVERIFY(m_scene->addItem({kA, QStringLiteral("lens"), {}}, ChangeOrigin::Remote, nullptr));
        QVERIFY(m_scene->addItem({kB, QStringLiteral("source"), {{QStringLiteral("x_mm"), 50.0}}},
                                 ChangeOrigin::Remote, nullptr));
        QVERIFY(!m_window->deleteAction()->isEnabled());
        m_scene->findItem(kA)->setSelected(true);
        m_scene->findItem(kB)->setSelected(true);
        QVERIFY(m_window->deleteAction()->isEnabled());
        QVERIFY(!m_window->propertiesAction()->isEnabled()); // needs exactly one
        m_window->deleteAction()->trigger();
        QCOMPARE(m_scene->count(), 0);
        QCOMPARE(m_scene->undoStack()->count(), 1);
        m_scene->undoStack()->undo();
        QCOMPARE(m_scene->count(), 2);
        QCOMPARE(m_scene->item(kB).data.value(QStringLiteral("x_mm")).toDouble(), 50.0);
    }

    void deleteKeyRemovesSelection()
    {
        QVERIFY(m_scene->addItem({kA, QStringLiteral("lens"), {}}, ChangeOrigin::Remote, nullptr));
        m_scene->findItem(kA)->setSelected(true);
        m_window->view()->setFocus();
        QTest::keyClick(m_window->view()->viewport(), Qt::Key_Delete);
        QCOMPARE(m_scene->count(), 0);
        QCOMPARE(m_scene->undoStack()->count(), 1);
    }

    void propertiesDialogReportsOnlyChanges()
    {
        QVERIFY(m_scene->addItem({kA, QStringLiteral("waveplate"), {}}, ChangeOrigin::Remote, nullptr));
        PropertiesDialog untouched(m_scene->item(kA));
        QVERIFY(untouched.changes().isEmpty());

        PropertiesDialog dialog(m_scene->item(kA));
        auto *axis = qobject_cast<QDoubleSpinBox *>(dialog.editor(QStringLiteral("fast_axis_deg")));
        auto *retardance = qobject_cast<QLineEdit *>(dialog.editor(QStringLiteral("retardance")));
        QVERIFY(axis);
        QVERIFY(retardance);
        QVERIFY(qobject_cast<QDoubleSpinBox *>(dialog.editor(QStringLiteral("x_mm"))));
        axis->setValue(22.5);
        retardance->setText(QStringLiteral("lambda/4"));
        const QJsonObject expected{{QStringLiteral("fast_axis_deg"), 22.5},
                                   {QStringLiteral("retardance"), QStringLiteral("lambda/4")}};
        QCOMPARE(dialog.changes(), expected);
        QVERIFY(m_scene->updateItem(kA, dialog.changes(), ChangeOrigin::Local, nullptr));
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("retardance")).toString(), QStringLiteral("lambda/4"));
    }

    void mouseDragReportsInteractiveMovesAndOneUndoEntry()
    {
        QVERIFY(m_scene->addItem({kA, QStringLiteral("beamsplitter"), {}}, ChangeOrigin::Remote, nullptr));
        RecordingObserver observer;
        m_scene->addObserver(&observer);
        QWidget *viewport = m_window->view()->viewport();
        const QPoint start = m_window->view()->mapFromScene(QPointF(0, 0));
        QTest::mousePress(viewport, Qt::LeftButton, {}, start);
        QTest::mouseMove(viewport, start + QPoint(15, 0));
        QTest::mouseMove(viewport, start + QPoint(30, 30));
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, start + QPoint(30, 30));

        const QStringList kinds = observer.kinds();
        QVERIFY2(kinds.size() >= 4, qPrintable(kinds.join(QLatin1Char(' '))));
        QCOMPARE(kinds.first(), QStringLiteral("drag"));
        QVERIFY(observer.events.first().dragging);
        QCOMPARE(kinds.last(), QStringLiteral("drag"));
        QVERIFY(!observer.events.last().dragging);
        for (qsizetype i = 1; i < kinds.size() - 1; ++i) {
            QCOMPARE(kinds.at(i), QStringLiteral("moved"));
            QCOMPARE(observer.events.at(i).origin, ChangeOrigin::Local);
        }
        // The last move before the end of the drag is the final pose (10 mm = 30 px at 3x).
        const QJsonObject last = observer.events.at(kinds.size() - 2).item.data;
        QCOMPARE(last.value(QStringLiteral("x_mm")).toDouble(), 10.0);
        QCOMPARE(last.value(QStringLiteral("y_mm")).toDouble(), 10.0);
        QCOMPARE(m_scene->item(kA).data.value(QStringLiteral("x_mm")).toDouble(), 10.0);
        QCOMPARE(m_scene->undoStack()->count(), 1);

        observer.events.clear();
        m_scene->undoStack()->undo();
        QCOMPARE(observer.kinds(), QStringList{QStringLiteral("moved")});
        QCOMPARE(observer.events.first().origin, ChangeOrigin::Local);
        QCOMPARE(m_scene->findItem(kA)->pos(), QPointF(0, 0));
        m_scene->removeObserver(&observer);
    }

    void remotePointersAreOverlaysOnly()
    {
        QVERIFY(m_scene->addItem({kA, QStringLiteral("lens"), {}}, ChangeOrigin::Remote, nullptr));
        PresenceOverlay *presence = m_window->presence();
        presence->setRemotePointer(QStringLiteral("bob"), QStringLiteral("Bob"), Qt::red, QPointF(5, 6));
        RemotePointerItem *pointer = presence->remotePointer(QStringLiteral("bob"));
        QVERIFY(pointer);
        QCOMPARE(pointer->pos(), QPointF(5, 6));
        QVERIFY(pointer->flags() & QGraphicsItem::ItemIgnoresTransformations);
        QVERIFY(!(pointer->flags() & QGraphicsItem::ItemIsSelectable));
        QVERIFY(pointer->zValue() > 1000);
        presence->setRemotePointer(QStringLiteral("bob"), QStringLiteral("Robert"), Qt::blue, QPointF(7, 8));
        QCOMPARE(presence->remotePointer(QStringLiteral("bob")), pointer); // moved, not duplicated
        QCOMPARE(pointer->name(), QStringLiteral("Robert"));
        QCOMPARE(m_scene->items().size(), 1);
        QCOMPARE(m_scene->toJson().value(QStringLiteral("items")).toArray().size(), 1);

        presence->removeRemotePointer(QStringLiteral("nobody")); // ignored
        presence->removeRemotePointer(QStringLiteral("bob"));
        QVERIFY(!presence->remotePointer(QStringLiteral("bob")));
        QCOMPARE(m_scene->graphicsScene()->items().size(), 1);
    }

    void remoteSelectionOutlinesFollowTheirItems()
    {
        QVERIFY(m_scene->addItem({kA, QStringLiteral("mirror"), {}}, ChangeOrigin::Remote, nullptr));
        PresenceOverlay *presence = m_window->presence();
        presence->setRemoteSelection(QStringLiteral("bob"), Qt::green,
                                     {kA, QUuid::createUuid() /* unknown: ignored */});
        QGraphicsPathItem *outline = presence->remoteSelectionOutline(QStringLiteral("bob"));
        QVERIFY(outline);
        QCOMPARE(outline->pen().color(), QColor(Qt::green));
        QVERIFY(outline->path().boundingRect().contains(QPointF(0, 0)));
        QVERIFY(!(outline->flags() & QGraphicsItem::ItemIsSelectable));

        QVERIFY(m_scene->moveItem(kA, 200, 0, 0, ChangeOrigin::Remote, nullptr));
        QVERIFY(outline->path().boundingRect().contains(QPointF(200, 0)));
        QVERIFY(!outline->path().boundingRect().contains(QPointF(0, 0)));

        QVERIFY(m_scene->removeItem(kA, ChangeOrigin::Remote, nullptr));
        QVERIFY(outline->path().isEmpty());
        QCOMPARE(m_scene->items().size(), 0);

        presence->setRemoteSelection(QStringLiteral("bob"), Qt::green, {});
        QVERIFY(!presence->remoteSelectionOutline(QStringLiteral("bob")));

        presence->setRemoteSelection(QStringLiteral("eve"), Qt::blue, {kB});
        presence->setRemotePointer(QStringLiteral("eve"), QStringLiteral("Eve"), Qt::blue, QPointF());
        presence->clearAll();
        QVERIFY(!presence->remoteSelectionOutline(QStringLiteral("eve")));
        QVERIFY(!presence->remotePointer(QStringLiteral("eve")));
        QCOMPARE(m_scene->graphicsScene()->items().size(), 0);
    }

    void localPointerAndSelectionAreReported()
    {
        QVERIFY(m_scene->addItem({kA, QStringLiteral("lens"), {}}, ChangeOrigin::Remote, nullptr));
        QVERIFY(m_scene->addItem({kB, QStringLiteral("lens"), {{QStringLiteral("x_mm"), 40.0}}},
                                 ChangeOrigin::Remote, nullptr));
        auto *presence = Optiverse::queryInterface<Optiverse::IPresenceHost>(m_window);
        RecordingPresenceObserver observer;
        presence->addPresenceObserver(&observer);
        presence->addPresenceObserver(&observer); // once only

        QWidget *viewport = m_window->view()->viewport();
        const QPoint at = m_window->view()->mapFromScene(QPointF(20, -10));
        QTest::mouseMove(viewport, at);
        QVERIFY(!observer.moves.isEmpty());
        const QPointF mm = observer.moves.last();
        QVERIFY2(qAbs(mm.x() - 20) < 0.5 && qAbs(mm.y() + 10) < 0.5,
                 qPrintable(QStringLiteral("%1,%2").arg(mm.x()).arg(mm.y())));
        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(viewport, &leave);
        QCOMPARE(observer.left, 1);

        m_scene->findItem(kB)->setSelected(true);
        m_scene->findItem(kA)->setSelected(true);
        QVERIFY(!observer.selections.isEmpty());
        QList<QUuid> expected{kA, kB};
        QCOMPARE(observer.selections.last(), expected);
        m_scene->graphicsScene()->clearSelection();
        QCOMPARE(observer.selections.last(), QList<QUuid>());

        presence->removePresenceObserver(&observer);
        const qsizetype count = observer.moves.size();
        QTest::mouseMove(viewport, at + QPoint(5, 5));
        QCOMPARE(observer.moves.size(), count);
    }

private:
    HostMainWindow *m_window = nullptr;
    HostScene *m_scene = nullptr;
};

QTEST_MAIN(TestHostWindow)
#include "tst_hoststub_window.moc"
