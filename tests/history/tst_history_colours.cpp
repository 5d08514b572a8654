// SPDX-License-Identifier: MIT
// A user's colour follows from their identity: the same after the server
// restarts and they join in another order, distinct among those present, and
// kept in the History panel after they leave. Host-stub windows with the
// plugin's session, presence and status widget, on the real server process.
#include "ColorSlot.h"
#include "HistoryPanel.h"
#include "HostUser.h"
#include "OpticalItem.h"
#include "PresenceManager.h"
#include "PresenceOverlay.h"
#include "ServerProcess.h"
#include "StatusWidget.h"
#include "UserColor.h"

#include <QComboBox>
#include <QGraphicsPathItem>
#include <QMenu>
#include <QPen>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

/// A host-stub window with the parts that show colours, wired as CollaborationPlugin does.
class Member : public HostUser
{
public:
    ~Member() override { presence.reset(); }
    CollabClient *client() const { return session->client(); }
    /// Joins and waits until the server's user list has reached this client.
    bool joinAs(const QUrl &url, const QString &who) { return join(url, who); }
    QColor colourOf(const QString &userId) const { return UserColor::forUser(userId, client()->colorIndexOf(userId)); }
    /// Opens Session History in this window.
    HistoryPanel *openHistory()
    {
        auto *panel = new HistoryPanel(client(), window.get()); // owned by the window
        panel->attach(scene(), window->presence(), nullptr);
        window->addDockWidget(Qt::RightDockWidgetArea, panel);
        panel->refresh();
        return panel;
    }

    std::unique_ptr<PresenceManager> presence;
    StatusWidget *status = nullptr;

protected:
    bool beforeJoin() override
    {
        presence = std::make_unique<PresenceManager>(window->presence(), session->client());
        status = new StatusWidget(session->client(), window.get());
        window->show();
        return true;
    }
};

QTreeWidgetItem *entry(HistoryPanel *panel, const QString &startsWith)
{
    const auto *tree = panel->findChild<QTreeWidget *>(QStringLiteral("HistoryTree"));
    for (int d = 0; d < tree->topLevelItemCount(); ++d)
        for (int i = 0; i < tree->topLevelItem(d)->childCount(); ++i)
            if (tree->topLevelItem(d)->child(i)->text(0).startsWith(startsWith))
                return tree->topLevelItem(d)->child(i);
    return nullptr;
}

/// The user colour the panel paints the first entry starting with
/// @p startsWith in (invalid: no such entry). Entries are text: the panel
/// darkens a light colour until it reads on the list's background, so the
/// colour is compared in that form.
QColor entryColour(HistoryPanel *panel, const QString &startsWith)
{
    QTreeWidgetItem *e = entry(panel, startsWith);
    return e ? e->foreground(0).color() : QColor();
}

/// @p userColour as the History panel writes text in it.
QColor asText(HistoryPanel *panel, const QColor &userColour)
{
    return UserColor::readableOn(userColour,
                                 panel->findChild<QTreeWidget *>(QStringLiteral("HistoryTree"))->palette().color(QPalette::Base));
}

/// The colour of @p userId's swatch in @p member's list of users (invalid: not listed).
QColor swatchOf(Member &member, const QString &userId)
{
    member.status->click();
    QMenu *list = member.status->usersMenu();
    if (!QTest::qWaitFor([list] { return list->isVisible(); }))
        return {};
    QColor found;
    for (QAction *row : list->actions()) {
        if (row->data().toString() == userId) {
            const QImage swatch = row->icon().pixmap(16, 16).toImage();
            found = swatch.pixelColor(swatch.width() / 2, swatch.height() / 2);
        }
    }
    list->close();
    return found;
}

} // namespace

class TestHistoryColours : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_config.isValid());
        qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
        qputenv("OPTIVERSE_DISCOVERY_INTERFACES", "lo");
    }
    void coloursFollowTheUser();
    void entriesAreReadableInEveryColour();

private:
    QTemporaryDir m_config;
};

void TestHistoryColours::entriesAreReadableInEveryColour()
{
    // Every colour of the palette, as History text on a light and on a dark
    // list: WCAG's 4.5:1 at least, and still the user's hue.
    const auto luminance = [](const QColor &c) {
        const auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const auto contrast = [&](const QColor &a, const QColor &b) {
        const double la = luminance(a), lb = luminance(b);
        return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
    };
    for (const QColor &background : {QColor(Qt::white), QColor(0x2b, 0x2b, 0x2b)}) {
        for (int slot = 0; slot < 36; ++slot) {
            const QColor user = UserColor::forUser(QString(), slot);
            const QColor text = UserColor::readableOn(user, background);
            QVERIFY2(contrast(text, background) >= 4.5, qPrintable(QStringLiteral("slot %1 on %2: %3")
                                                                     .arg(slot).arg(background.name())
                                                                     .arg(contrast(text, background))));
            QVERIFY2(qAbs(text.hsvHue() - user.hsvHue()) <= 2 || text.hsvSaturation() < 20,
                     qPrintable(QStringLiteral("slot %1: hue %2 became %3").arg(slot).arg(user.hsvHue()).arg(text.hsvHue())));
        }
    }
}

void TestHistoryColours::coloursFollowTheUser()
{
    const QString alice = QStringLiteral("alice"), bob = QStringLiteral("bob"), carol = QStringLiteral("carol");
    // carol's id prefers alice's slot: the collision this test needs.
    QCOMPARE(ColorSlot::preferred(carol), ColorSlot::preferred(alice));
    QVERIFY(ColorSlot::preferred(bob) != ColorSlot::preferred(alice));

    // A first server: alice joins, then bob.
    QColor aliceColour, bobColour;
    {
        ServerProcess server;
        QVERIFY(server.start());
        Member a, b;
        QVERIFY(a.joinAs(server.url(), alice));
        QVERIFY(b.joinAs(server.url(), bob));
        QTRY_COMPARE(a.client()->users().size(), 2);
        aliceColour = a.colourOf(alice);
        bobColour = a.colourOf(bob);
        QCOMPARE(b.colourOf(alice), aliceColour);
        QCOMPARE(b.colourOf(bob), bobColour);
        QVERIFY(aliceColour != bobColour);
    }

    // Another server (as after a restart): bob first, then alice. Same colours.
    ServerProcess server;
    QVERIFY(server.start());
    auto b = std::make_unique<Member>();
    Member a;
    QVERIFY(b->joinAs(server.url(), bob));
    QVERIFY(a.joinAs(server.url(), alice));
    QTRY_COMPARE(b->client()->users().size(), 2);
    QCOMPARE(a.colourOf(alice), aliceColour);
    QCOMPARE(a.colourOf(bob), bobColour);
    QCOMPARE(b->colourOf(alice), aliceColour);
    QCOMPARE(b->colourOf(bob), bobColour);

    // carol, whose preferred slot alice holds, gets one of her own.
    Member c;
    QVERIFY(c.joinAs(server.url(), carol));
    QTRY_COMPARE(a.client()->users().size(), 3);
    const QColor carolColour = a.colourOf(carol);
    QCOMPARE(c.colourOf(carol), carolColour);
    QCOMPARE(b->colourOf(carol), carolColour);
    QVERIFY(carolColour != aliceColour);
    QVERIFY(carolColour != bobColour);
    QCOMPARE(c.colourOf(alice), aliceColour);

    // bob's colour in alice's window: his selection outline and his row in the list of users.
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{QStringLiteral("focal_length_mm"), 100.0}});
    QVERIFY(b->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(a.has(lens.uuid));
    b->scene()->findItem(lens.uuid)->setSelected(true);
    QTRY_VERIFY(a.window->presence()->remoteSelectionOutline(bob));
    QCOMPARE(a.window->presence()->remoteSelectionOutline(bob)->pen().color(), bobColour);
    QCOMPARE(swatchOf(a, bob).rgb(), bobColour.rgb());
    QCOMPARE(swatchOf(a, carol).rgb(), carolColour.rgb());

    // alice's History panel: bob's entry in his colour, while he is here…
    HistoryPanel *panel = a.openHistory();
    QTRY_COMPARE(entryColour(panel, QStringLiteral("bob added Lens 1")), asText(panel, bobColour));

    // …and after he left: the list is rebuilt with new changes, he is not in
    // the users any more, and his entry keeps his colour (not a hash's, not carol's).
    b.reset();
    QTRY_COMPARE(a.client()->users().size(), 2);
    QVERIFY(!swatchOf(a, bob).isValid());
    QVERIFY(a.scene()->updateItem(lens.uuid, {{QStringLiteral("focal_length_mm"), 80.0}}, ChangeOrigin::Local, nullptr));
    panel->refresh();
    QTRY_VERIFY(entry(panel, QStringLiteral("alice changed Lens 1")));
    QCOMPARE(entryColour(panel, QStringLiteral("bob added Lens 1")), asText(panel, bobColour));
    QCOMPARE(entryColour(panel, QStringLiteral("alice changed Lens 1")), asText(panel, aliceColour));
    // Selecting his entry outlines what it touched in his colour too.
    panel->findChild<QTreeWidget *>(QStringLiteral("HistoryTree"))->setCurrentItem(entry(panel, QStringLiteral("bob added")));
    QGraphicsPathItem *outline = a.window->presence()->remoteSelectionOutline(HistoryPanel::highlightKey());
    QVERIFY(outline);
    QCOMPARE(outline->pen().color(), bobColour);

    // dave joins after bob left, never having seen him: the same colour for bob there.
    Member d;
    QVERIFY(d.joinAs(server.url(), QStringLiteral("dave")));
    HistoryPanel *davesPanel = d.openHistory();
    QTRY_COMPARE(entryColour(davesPanel, QStringLiteral("bob added Lens 1")), asText(davesPanel, bobColour));
    QCOMPARE(entryColour(davesPanel, QStringLiteral("alice changed Lens 1")), asText(davesPanel, aliceColour));

    // bob back: his slot again, for everyone.
    Member bobAgain;
    QVERIFY(bobAgain.joinAs(server.url(), bob));
    QTRY_COMPARE(a.client()->users().size(), 4);
    QCOMPARE(a.colourOf(bob), bobColour);
    QCOMPARE(swatchOf(a, bob).rgb(), bobColour.rgb());
    QCOMPARE(d.colourOf(bob), bobColour);
}

QTEST_MAIN(TestHistoryColours)
#include "tst_history_colours.moc"
