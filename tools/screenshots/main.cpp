// SPDX-License-Identifier: MIT
// optiverse-ui-screenshots [--out DIR] [--plugin-dir DIR]
//
// Renders the collaboration UI offscreen with QWidget::grab() and writes PNGs
// for the documentation: the dialog (Host with a running server, Connect with
// a validation error) in light and dark palettes, the status widget in its
// states, the list of users, and two host-stub windows with the real plugin
// joined through an in-process server, each showing the other's pointer and
// selection. Every state is reached through the real code paths.
// Exit codes: 0 ok, 1 usage, 2 a state was not reached, 3 a file was not written.

#include "CollabServer.h"
#include "CollaborationDialog.h"
#include "CollaborationSession.h"
#include "HostMainWindow.h"
#include "HostScene.h"
#include "PluginManager.h"
#include "PresenceOverlay.h"
#include "StatusWidget.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QGraphicsView>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <QToolButton>

#include <cstdlib>
#include <functional>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

QDir g_out;
int g_failures = 0;

void say(const QString &text)
{
    QTextStream(stdout) << text << Qt::endl;
}

void fail(const QString &what)
{
    QTextStream(stderr) << "optiverse-ui-screenshots: " << what << Qt::endl;
    ++g_failures;
}

/// Runs the event loop until @p condition holds (real sockets need real time).
bool waitFor(const std::function<bool()> &condition, const QString &what, int ms = 10000)
{
    const QDeadlineTimer deadline(ms);
    while (!condition()) {
        if (deadline.hasExpired()) {
            fail(QStringLiteral("timed out waiting for %1").arg(what));
            return false;
        }
        QEventLoop loop;
        QTimer::singleShot(10, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void save(const QPixmap &pixmap, const QString &name)
{
    const QString path = g_out.filePath(name);
    if (pixmap.isNull() || !pixmap.save(path, "PNG", 9)) {
        QTextStream(stderr) << "optiverse-ui-screenshots: cannot write " << path << Qt::endl;
        std::exit(3);
    }
    say(QStringLiteral("%1 (%2x%3)").arg(path).arg(pixmap.width()).arg(pixmap.height()));
}

QPixmap grabShown(QWidget *widget)
{
    widget->show();
    QCoreApplication::processEvents(); // layouts settle; grab() then paints synchronously
    return widget->grab();
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2d, 0x2f, 0x33), base(0x3a, 0x3d, 0x42), text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x45, 0x48, 0x4e));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xd6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8d, 0x91));
    p.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Midlight, QColor(0x42, 0x45, 0x4a));
    p.setColor(QPalette::Mid, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::Dark, QColor(0x1a, 0x1b, 0x1d));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    return p;
}

quint16 freePort(quint16 preferred)
{
    QTcpServer probe;
    if (probe.listen(QHostAddress::LocalHost, preferred) || probe.listen(QHostAddress::LocalHost, 0))
        return probe.serverPort();
    return 0;
}

/// The dialog in Host mode with its server running and the URL to share.
void dialogHost(const QPalette &palette, const QString &suffix)
{
    HostScene scene;
    CollaborationSession session(&scene);
    CollaborationDialog dialog(&session, 0);
    dialog.setPalette(palette);
    dialog.setMode(CollaborationDialog::Mode::Host);
    dialog.findChild<QComboBox *>(QStringLiteral("listenAddress"))->setCurrentText(QStringLiteral("localhost"));
    dialog.findChild<QSpinBox *>(QStringLiteral("port"))->setValue(freePort(8765));
    dialog.findChild<QLineEdit *>(QStringLiteral("hostSession"))->setText(QStringLiteral("project-alpha"));
    dialog.findChild<QLineEdit *>(QStringLiteral("hostName"))->setText(QStringLiteral("alice"));
    dialog.show();
    dialog.startServer();
    if (!session.isServerRunning())
        fail(QStringLiteral("the dialog's server did not start: %1").arg(dialog.errorText()));
    waitFor([&] { return session.client()->state() == CollabClient::State::Connected; },
            QStringLiteral("the host to join its own session"));
    save(grabShown(&dialog), QStringLiteral("dialog-host-%1.png").arg(suffix));
    session.shutdown();
}

/// The dialog in Connect mode after a wrong URL was entered.
void dialogConnect(const QPalette &palette, const QString &suffix)
{
    HostScene scene;
    CollaborationSession session(&scene);
    CollaborationDialog dialog(&session, 0);
    dialog.setPalette(palette);
    dialog.setMode(CollaborationDialog::Mode::Connect);
    dialog.findChild<QLineEdit *>(QStringLiteral("serverUrl"))->setText(QStringLiteral("http://192.168.1.100:8765"));
    dialog.findChild<QLineEdit *>(QStringLiteral("connectSession"))->setText(QStringLiteral("project-alpha"));
    dialog.findChild<QLineEdit *>(QStringLiteral("connectName"))->setText(QStringLiteral("bob"));
    dialog.show();
    dialog.connectToServer();
    if (dialog.errorText().isEmpty())
        fail(QStringLiteral("the Connect page shows no validation error"));
    save(grabShown(&dialog), QStringLiteral("dialog-connect-%1.png").arg(suffix));
}

/// One status bar with the widget in it, as the user sees it bottom-right.
QPixmap statusStrip(StatusWidget *status)
{
    QStatusBar bar;
    bar.setSizeGripEnabled(false);
    bar.resize(380, bar.sizeHint().height());
    bar.addPermanentWidget(status);
    status->show(); // removeWidget() hid it after the previous shot
    const QPixmap shot = grabShown(&bar);
    bar.removeWidget(status);
    status->setParent(nullptr);
    return shot;
}

/// The status widget's states, reached through a real server, stacked into one image.
void statusStates()
{
    ServerConfig config;
    config.maxUsersPerSession = 3;
    CollabServer server(config);
    QString error;
    if (!server.listen(QHostAddress::LocalHost, 0, &error)) {
        fail(error);
        return;
    }
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(server.port()));
    HostScene sa, sb, sc, sd;
    CollaborationSession alice(&sa), bob(&sb), carol(&sc), dave(&sd);
    alice.client()->setReconnectBackoff(5000, 5000);
    auto status = std::make_unique<StatusWidget>(alice.client());
    status->setNoticeDuration(60000); // keep "bob joined" on screen for the shot
    QList<QPixmap> shots;
    shots << statusStrip(status.get()); // Not connected

    alice.join(url, QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    shots << statusStrip(status.get()); // Connecting...
    waitFor([&] { return alice.client()->state() == CollabClient::State::Connected; }, QStringLiteral("alice"));
    bob.join(url, QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    waitFor([&] { return status->text() == QLatin1String("bob joined"); }, QStringLiteral("the join notice"));
    shots << statusStrip(status.get()); // bob joined
    status->setNoticeDuration(1);
    carol.join(url, QStringLiteral("lab"), QStringLiteral("carol"), SyncManager::JoinMode::ReplaceLocalScene);
    waitFor([&] { return status->text() == QLatin1String("Connected (3 users)"); }, QStringLiteral("three users"));
    shots << statusStrip(status.get()); // Connected (3 users)

    // The list of users, opened by clicking the widget (a popup: grabbed on its own).
    QStatusBar bar;
    bar.resize(380, bar.sizeHint().height());
    bar.addPermanentWidget(status.get());
    status->show();
    grabShown(&bar);
    status->click();
    waitFor([&] { return status->usersMenu()->isVisible(); }, QStringLiteral("the list of users"));
    save(status->usersMenu()->grab(), QStringLiteral("status-users.png"));
    status->usersMenu()->close();
    bar.removeWidget(status.get());
    status->setParent(nullptr);

    // A fourth user is refused: the reason is shown.
    StatusWidget full(dave.client());
    dave.join(url, QStringLiteral("lab"), QStringLiteral("dave"), SyncManager::JoinMode::ReplaceLocalScene);
    waitFor([&] { return full.text().startsWith(QLatin1String("Error: ")); }, QStringLiteral("the error"));

    server.close(); // the server goes away: alice retries by herself
    waitFor([&] { return alice.client()->state() == CollabClient::State::Reconnecting; }, QStringLiteral("reconnecting"));
    shots << statusStrip(status.get()); // Reconnecting in N s…
    shots << statusStrip(&full);        // Error: …

    const int gap = 6;
    int height = 0, width = 0;
    for (const QPixmap &p : std::as_const(shots)) {
        height += int(p.height() / p.devicePixelRatio()) + gap;
        width = std::max(width, int(p.width() / p.devicePixelRatio()));
    }
    QPixmap sheet(width, height - gap);
    sheet.fill(QApplication::palette().color(QPalette::Mid));
    QPainter painter(&sheet);
    int y = 0;
    for (const QPixmap &p : std::as_const(shots)) {
        painter.drawPixmap(0, y, p);
        y += int(p.height() / p.devicePixelRatio()) + gap;
    }
    painter.end();
    save(sheet, QStringLiteral("status-states.png"));
    for (CollaborationSession *s : {&alice, &bob, &carol, &dave})
        s->leave();
}

// The table alice builds; fixed ids so the peer process can select by id.
SceneItem tableItem(int n, const char *type, double x, double y, double angle, QJsonObject extra = {})
{
    extra.insert(QStringLiteral("x_mm"), x);
    extra.insert(QStringLiteral("y_mm"), y);
    extra.insert(QStringLiteral("angle_deg"), angle);
    return {QUuid(QStringLiteral("5e0d1c1a-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'))),
            QString::fromLatin1(type), extra};
}

QList<SceneItem> table()
{
    return {tableItem(1, "source", -90, 0, 0),  tableItem(2, "lens", -40, 0, 0),
            tableItem(3, "beamsplitter", 10, 0, 45), tableItem(4, "mirror", 10, -45, 45),
            tableItem(5, "mirror", 60, 0, 0),
            tableItem(6, "text", -90, 35, 0, {{QStringLiteral("text"), QStringLiteral("Michelson")}})};
}

QString statusText(HostMainWindow *w)
{
    auto *s = w->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    return s ? s->text() : QString();
}

/// A host-stub window with the real plugin loaded from @p pluginDir, joining @p url.
std::unique_ptr<HostMainWindow> hostWindow(const QString &name, const QString &url, const QString &pluginDir)
{
    auto window = std::make_unique<HostMainWindow>();
    window->setWindowTitle(QStringLiteral("Optiverse Host Stub — %1").arg(name));
    window->resize(760, 520);
    window->pluginManager()->discover({pluginDir});
    window->pluginManager()->setPluginArguments({QStringLiteral("--collab-connect"), url,
                                                 QStringLiteral("--collab-session"), QStringLiteral("demo"),
                                                 QStringLiteral("--collab-name"), name});
    QString why;
    if (!window->pluginManager()->enablePlugin(QStringLiteral("Collaboration"), false, &why))
        fail(why);
    window->show();
    waitFor([&] { return statusText(window.get()).startsWith(QLatin1String("Connected")); },
            QStringLiteral("%1 to join").arg(name));
    return window;
}

/// Frames the table, selects @p item and points next to it; then waits for
/// @p peer's pointer and selection to show, and saves the window.
bool pointSelectAndGrab(HostMainWindow *window, const QUuid &item, const QPointF &pointer, const QString &peer,
                        const QString &file)
{
    window->view()->resetTransform();
    window->view()->scale(2.6, 2.6);
    window->view()->centerOn(-15, -5);
    window->hostScene()->graphicsScene()->clearSelection();
    window->hostScene()->findItem(item)->setSelected(true);
    // Point a little off the item, so the name does not cover it.
    QWidget *viewport = window->view()->viewport();
    const QPoint pixel = window->view()->mapFromScene(pointer);
    QMouseEvent move(QEvent::MouseMove, QPointF(pixel), viewport->mapToGlobal(QPointF(pixel)), Qt::NoButton,
                     Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(viewport, &move);
    PresenceOverlay *overlay = window->presence();
    if (!waitFor([&] { return overlay->remotePointer(peer) && overlay->remoteSelectionOutline(peer); },
                 QStringLiteral("%1's pointer and selection").arg(peer)))
        return false;
    save(window->grab(), file);
    return true;
}

/// Peer mode (--peer): bob's window in his own process, as on a second computer.
/// One process cannot load the plugin twice (a plugin's root object is a
/// singleton), so each window gets a process.
int runPeer(const QString &url, const QString &pluginDir)
{
    auto bob = hostWindow(QStringLiteral("bob"), url, pluginDir);
    if (!waitFor([&] { return bob->hostScene()->count() == int(table().size()); }, QStringLiteral("the table")))
        return 2;
    if (!pointSelectAndGrab(bob.get(), table().at(3).uuid, QPointF(22, -40), QStringLiteral("alice"),
                            QStringLiteral("hosts-bob.png")))
        return 2;
    QTextStream(stdout) << "grabbed" << Qt::endl;
    // Stay (and stay visible to alice) until she has taken her picture and left.
    waitFor([&] { return !bob->presence()->remotePointer(QStringLiteral("alice")); }, QStringLiteral("alice to leave"), 30000);
    bob->close();
    return g_failures == 0 ? 0 : 2;
}

/// Two host-stub windows with the real plugin, joined through a server in this process.
void twoHosts(const QString &pluginDir)
{
    CollabServer server;
    QString error;
    if (!server.listen(QHostAddress::LocalHost, 0, &error)) {
        fail(error);
        return;
    }
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(server.port());
    auto alice = hostWindow(QStringLiteral("alice"), url, pluginDir);
    for (const SceneItem &item : table())
        alice->hostScene()->addItem(item, ChangeOrigin::Local, nullptr);

    QProcess bob;
    bob.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    bob.start(QCoreApplication::applicationFilePath(),
              {QStringLiteral("--peer"), url, QStringLiteral("--plugin-dir"), pluginDir, QStringLiteral("--out"),
               g_out.absolutePath()});
    QByteArray bobSays;
    QObject::connect(&bob, &QProcess::readyReadStandardOutput, &bob, [&] {
        const QByteArray text = bob.readAllStandardOutput();
        bobSays += text;
        QTextStream(stdout) << text;
    });
    if (!waitFor([&] { return statusText(alice.get()) == QLatin1String("Connected (2 users)"); },
                 QStringLiteral("bob to join")))
        return;
    pointSelectAndGrab(alice.get(), table().at(1).uuid, QPointF(-30, 16), QStringLiteral("bob"),
                       QStringLiteral("hosts-alice.png"));
    waitFor([&] { return bobSays.contains("grabbed") || bob.state() == QProcess::NotRunning; },
            QStringLiteral("bob's picture"), 20000);
    alice->close(); // bob sees alice leave and ends
    if (!bob.waitForFinished(30000) || bob.exitStatus() != QProcess::NormalExit || bob.exitCode() != 0)
        fail(QStringLiteral("bob's window process failed (exit %1)").arg(bob.exitCode()));
}

} // namespace

// The offscreen platform says "This plugin does not support raise()" and the like for every popup.
QtMessageHandler g_standardHandler = nullptr;

void quietMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (!message.startsWith(QLatin1String("This plugin does not support")) && g_standardHandler)
        g_standardHandler(type, context, message);
}

int main(int argc, char *argv[])
{
    g_standardHandler = qInstallMessageHandler(quietMessages);
    // Offscreen unless told otherwise; its "does not support raise()" chatter is not news.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        qputenv("QT_LOGGING_RULES", "qt.qpa.*=false;optiverse.*.info=false;optiverse.*.warning=false");
    // The Host page's server announces itself: on this computer only.
    qputenv("OPTIVERSE_DISCOVERY_INTERFACES", "lo");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("optiverse-ui-screenshots"));
    QApplication::setOrganizationName(QStringLiteral("OptiverseScreenshots"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Renders the collaboration UI into PNG files."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("out"), QStringLiteral("Directory for the PNGs (default: docs/)."),
                      QStringLiteral("DIR"), QStringLiteral(DEFAULT_OUT_DIR)});
    parser.addOption({QStringLiteral("plugin-dir"), QStringLiteral("Where the Collaboration plugin is."),
                      QStringLiteral("DIR"), QStringLiteral(PLUGIN_DIR)});
    parser.addOption({QStringLiteral("peer"), QStringLiteral("Internal: run the second host window, joining URL."),
                      QStringLiteral("URL")});
    parser.process(app);

    // Remembered dialog values and host-stub plugin settings stay out of the user's config.
    QTemporaryDir config;
    if (!config.isValid())
        return 1;
    qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    const QPalette light = QApplication::style()->standardPalette();
    QApplication::setPalette(light);

    g_out.setPath(parser.value(QStringLiteral("out")));
    if (!g_out.mkpath(QStringLiteral("."))) {
        QTextStream(stderr) << "cannot create " << g_out.path() << Qt::endl;
        return 1;
    }
    if (parser.isSet(QStringLiteral("peer")))
        return runPeer(parser.value(QStringLiteral("peer")), parser.value(QStringLiteral("plugin-dir")));
    dialogHost(light, QStringLiteral("light"));
    dialogHost(darkPalette(), QStringLiteral("dark"));
    dialogConnect(light, QStringLiteral("light"));
    dialogConnect(darkPalette(), QStringLiteral("dark"));
    statusStates();
    twoHosts(parser.value(QStringLiteral("plugin-dir")));
    return g_failures == 0 ? 0 : 2;
}
